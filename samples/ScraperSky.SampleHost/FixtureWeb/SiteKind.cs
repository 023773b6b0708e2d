namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>
/// What a synthetic site looks like. A host named after a kind in kebab case (<c>not-found.test</c>,
/// <c>redirect-loop-2.test</c>) is served as that kind; the demo's <c>site-001.test</c>… get kinds from the seed.
/// </summary>
public enum SiteKind
{
    /// <summary>robots.txt names a sitemap index with a plain and a gzip sitemap.</summary>
    Standard,

    /// <summary>robots.txt has no Sitemap line; <c>/sitemap.xml</c> exists.</summary>
    WellKnown,

    /// <summary>robots.txt names <c>/sitemap.xml</c> twice (relative and absolute) and a news sitemap; <c>/sitemap.xml</c> is also well known.</summary>
    Duplicate,

    /// <summary>An index whose child is another index (two levels, within the limit).</summary>
    NestedIndex,

    /// <summary>No robots.txt and no sitemap: discovery completes with none.</summary>
    NoSitemap,

    /// <summary>Every path answers 404.</summary>
    NotFound,

    /// <summary>Every path answers 500.</summary>
    ServerError,

    /// <summary>Every path answers after <see cref="FixtureWebOptions.SlowResponse"/>.</summary>
    Slow,

    /// <summary>Every path streams <see cref="FixtureWebOptions.HugeBodyBytes"/> without a Content-Length.</summary>
    Huge,

    /// <summary>Every path redirects into <c>/loop/a</c> → <c>/loop/b</c> → <c>/loop/a</c>.</summary>
    RedirectLoop,

    /// <summary>robots.txt names a sitemap whose XML is malformed on line 3.</summary>
    MalformedSitemap,

    /// <summary>robots.txt names a small gzip sitemap that inflates past the size cap.</summary>
    HugeSitemap,

    /// <summary>robots.txt names a sitemap that answers 404.</summary>
    MissingSitemap,

    /// <summary>An endless chain of sitemap indexes: the import's depth limit ends it.</summary>
    DeepIndex,
}
