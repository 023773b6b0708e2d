namespace ScraperSky.SampleHost.Data;

/// <summary>The seeds' <c>sitemap_import_status_enum</c> (<c>sitemap_files.sitemap_import_status</c>): labels exactly as in the database.</summary>
public enum SitemapImportStatus
{
    Queued,
    Processing,
    Completed,
    Error,
}
