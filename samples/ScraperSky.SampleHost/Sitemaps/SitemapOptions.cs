namespace ScraperSky.SampleHost.Sitemaps;

/// <summary>Limits on sitemap files (configuration section <c>Sitemaps</c>); the size cap is <c>Crawler:MaxResponseBytes</c>.</summary>
public sealed class SitemapOptions
{
    public const string Section = "Sitemaps";

    /// <summary>Gets or sets the most entries one file may list. Default 50,000 (the sitemaps protocol's limit).</summary>
    public int MaxEntriesPerFile { get; set; } = 50_000;

    /// <summary>Gets or sets how deep sitemap indexes may nest: a file at this depth may not be an index. Default 3.</summary>
    public int MaxIndexDepth { get; set; } = 3;
}
