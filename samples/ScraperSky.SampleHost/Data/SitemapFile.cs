namespace ScraperSky.SampleHost.Data;

/// <summary>
/// A row of <c>sitemap_files</c>: one sitemap (or sitemap index) URL of a domain. Two workflows process it: the
/// Sitemap Scheduler's legacy sitemap job (<see cref="Status"/>, queued as <c>Pending</c>) measures the file, the
/// Sitemap Import Scheduler (<see cref="SitemapImportStatus"/>) records its pages or queues its child sitemaps.
/// </summary>
public sealed class SitemapFile
{
    public long Id { get; set; }

    public long DomainId { get; set; }

    public string Url { get; set; } = string.Empty;

    /// <summary>Gets or sets how the file was found: <c>robots.txt</c>, <c>well-known path</c> or <c>sitemap index</c>.</summary>
    public string DiscoveredVia { get; set; } = string.Empty;

    public long? ParentSitemapFileId { get; set; }

    /// <summary>Gets or sets the nesting level: 0 for a file found on the site, parent + 1 for a child of an index.</summary>
    public int Depth { get; set; }

    // Sitemap Scheduler, legacy sitemap job (process_pending_jobs).
    public SitemapFileStatus Status { get; set; } = SitemapFileStatus.Pending;

    public string? AnalysisError { get; set; }

    public int? UrlCount { get; set; }

    public long? SizeBytes { get; set; }

    public bool? IsGzipped { get; set; }

    public bool? IsIndex { get; set; }

    public string? HttpLastModified { get; set; }

    // Sitemap Import Scheduler (process_sitemap_imports): the dual status.
    public SitemapCurationStatus DeepScrapeCurationStatus { get; set; } = SitemapCurationStatus.New;

    public SitemapImportStatus? SitemapImportStatus { get; set; }

    public string? SitemapImportError { get; set; }

    public int? PagesImported { get; set; }

    public int? ChildSitemapsQueued { get; set; }

    public DateTimeOffset? LastImportedAt { get; set; }

    // Lease-mode columns of the legacy sitemap job (unused in atomic-batch mode; ready for the switch without a migration).
    public int AnalysisAttempts { get; set; }

    public DateTimeOffset? AnalysisLeaseExpiresAt { get; set; }

    public string? AnalysisClaimedBy { get; set; }

    public DateTimeOffset? AnalysisNextAttemptAt { get; set; }

    // Lease-mode columns of process_sitemap_imports.
    public int ImportAttempts { get; set; }

    public DateTimeOffset? ImportLeaseExpiresAt { get; set; }

    public string? ImportClaimedBy { get; set; }

    public DateTimeOffset? ImportNextAttemptAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }
}
