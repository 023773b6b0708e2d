namespace ScraperSky.SampleHost.Data;

/// <summary>The seeds' <c>gcp_api_deep_scan_status_enum</c> (<c>places_staging.deep_scan_status</c>): labels exactly as in the database.</summary>
public enum GcpApiDeepScanStatus
{
    Queued,
    Processing,
    Completed,
    Error,
}
