namespace ScraperSky.SampleHost.Sitemaps;

/// <summary>A parsed sitemap file: a <c>urlset</c> of pages or a <c>sitemapindex</c> of child sitemaps.</summary>
/// <param name="IsIndex">Whether the root element is <c>sitemapindex</c>.</param>
/// <param name="Entries">The entries with a valid absolute http(s) location, in document order.</param>
/// <param name="SkippedEntries">Entries left out because their location was missing or not an absolute http(s) URL.</param>
public sealed record SitemapDocument(bool IsIndex, IReadOnlyList<SitemapEntry> Entries, int SkippedEntries);
