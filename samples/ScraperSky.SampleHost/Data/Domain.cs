namespace ScraperSky.SampleHost.Data;

/// <summary>A row of <c>domains</c>: a web domain ScraperSky enriches.</summary>
public sealed class Domain
{
    public long Id { get; set; }

    public string DomainName { get; set; } = string.Empty;

    public DomainExtractionStatus Status { get; set; } = DomainExtractionStatus.Queued;

    public string? ErrorMessage { get; set; }

    public string? Tld { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }
}
