namespace ScraperSky.SampleHost.Data;

/// <summary>The seeds' <c>sitemap_file_status_enum</c> (<c>sitemap_files.status</c>, the legacy sitemap jobs): its queued value is <c>Pending</c>.</summary>
public enum SitemapFileStatus
{
    Pending,
    Processing,
    Completed,
    Error,
}
