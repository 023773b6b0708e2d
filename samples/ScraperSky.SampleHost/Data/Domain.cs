namespace ScraperSky.SampleHost.Data;

/// <summary>
/// A row of <c>domains</c>: a web domain ScraperSky enriches. Two workflows process it: the Domain Scheduler
/// (<see cref="Status"/>) extracts home-page metadata, the Domain Sitemap Submission
/// (<see cref="SitemapAnalysisStatus"/>) discovers its sitemaps.
/// </summary>
public sealed class Domain
{
    public long Id { get; set; }

    public string DomainName { get; set; } = string.Empty;

    public string? Tld { get; set; }

    // Domain Scheduler (process_pending_domains).
    public DomainExtractionStatus Status { get; set; } = DomainExtractionStatus.Queued;

    public string? ErrorMessage { get; set; }

    public int? HttpStatus { get; set; }

    public string? ServerHeader { get; set; }

    public string? Title { get; set; }

    public string? MetaDescription { get; set; }

    public string? CanonicalUrl { get; set; }

    public string? Language { get; set; }

    public List<string> EmailAddresses { get; set; } = [];

    public List<string> PhoneNumbers { get; set; } = [];

    public DateTimeOffset? HomePageFetchedAt { get; set; }

    // Domain Sitemap Submission (process_pending_domain_sitemap_submissions): the dual status.
    public SitemapCurationStatus SitemapCurationStatus { get; set; } = SitemapCurationStatus.New;

    public SitemapAnalysisStatus? SitemapAnalysisStatus { get; set; }

    public string? SitemapAnalysisError { get; set; }

    public int? SitemapsFound { get; set; }

    // Lease-mode columns of process_pending_domains (unused in atomic-batch mode; ready for the switch without a migration).
    public int ExtractionAttempts { get; set; }

    public DateTimeOffset? ExtractionLeaseExpiresAt { get; set; }

    public string? ExtractionClaimedBy { get; set; }

    public DateTimeOffset? ExtractionNextAttemptAt { get; set; }

    // Lease-mode columns of process_pending_domain_sitemap_submissions (unused in atomic-batch mode; ready for the switch without a migration).
    public int SitemapAnalysisAttempts { get; set; }

    public DateTimeOffset? SitemapAnalysisLeaseExpiresAt { get; set; }

    public string? SitemapAnalysisClaimedBy { get; set; }

    public DateTimeOffset? SitemapAnalysisNextAttemptAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }
}
