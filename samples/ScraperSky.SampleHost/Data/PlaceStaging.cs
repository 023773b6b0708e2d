namespace ScraperSky.SampleHost.Data;

/// <summary>
/// A row of <c>places_staging</c>: a place found by a search, waiting for curation. Selecting it
/// (<see cref="Status"/> = <c>Selected</c>) queues its deep scan (<see cref="DeepScanStatus"/>), which the Sitemap
/// Scheduler's deep-scan job runs against the places-details API.
/// </summary>
public sealed class PlaceStaging
{
    public long Id { get; set; }

    public string PlaceId { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public string? SearchQuery { get; set; }

    public SitemapCurationStatus Status { get; set; } = SitemapCurationStatus.New;

    public GcpApiDeepScanStatus? DeepScanStatus { get; set; }

    public string? DeepScanError { get; set; }

    public DateTimeOffset? DeepScannedAt { get; set; }

    // Lease-mode columns of the deep-scan job (unused in atomic-batch mode; ready for the switch without a migration).
    public int DeepScanAttempts { get; set; }

    public DateTimeOffset? DeepScanLeaseExpiresAt { get; set; }

    public string? DeepScanClaimedBy { get; set; }

    public DateTimeOffset? DeepScanNextAttemptAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }
}
