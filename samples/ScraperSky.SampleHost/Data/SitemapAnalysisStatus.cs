namespace ScraperSky.SampleHost.Data;

/// <summary>The seeds' <c>SitemapAnalysisStatusEnum</c> (<c>domains.sitemap_analysis_status</c>): labels exactly as in the database.</summary>
public enum SitemapAnalysisStatus
{
    Queued,
    Processing,
    Completed,
    Error,
}
