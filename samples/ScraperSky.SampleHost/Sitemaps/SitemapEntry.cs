namespace ScraperSky.SampleHost.Sitemaps;

/// <summary>One <c>&lt;url&gt;</c> or <c>&lt;sitemap&gt;</c> entry; optional hints are null when absent or invalid.</summary>
public sealed record SitemapEntry(Uri Location, DateTimeOffset? LastModified, string? ChangeFrequency, decimal? Priority);
