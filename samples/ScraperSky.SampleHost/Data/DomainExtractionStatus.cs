namespace ScraperSky.SampleHost.Data;

/// <summary>The seeds' <c>DomainExtractionStatusEnum</c> (<c>domains.status</c>): labels exactly as in the database.</summary>
public enum DomainExtractionStatus
{
    Queued,
    Processing,
    Completed,
    Error,
}
