namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>A synthetic site: its kind and the home-page facts a crawler should extract from it.</summary>
public sealed record FixtureSite(
    string Host,
    SiteKind Kind,
    string Title,
    string Description,
    string Language,
    IReadOnlyList<string> Emails,
    IReadOnlyList<string> Phones,
    string Server)
{
    /// <summary>Gets the home page's URL (the fixture speaks plain HTTP).</summary>
    public Uri HomePage => new($"http://{Host}/");

    /// <summary>Gets whether every path of the site is broken (so even robots.txt fails).</summary>
    public bool IsBrokenEverywhere => Kind is SiteKind.NotFound or SiteKind.ServerError or SiteKind.Slow or SiteKind.Huge or SiteKind.RedirectLoop;
}
