namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>One <c>&lt;url&gt;</c> of a synthetic sitemap, as served (optional fields may be missing).</summary>
public sealed record FixtureSitemapEntry(string Location, string? LastModified, string? ChangeFrequency, string? Priority);
