using ScraperSky.SampleHost.FixtureWeb;

namespace ScraperSky.SampleHost.Http;

/// <summary>
/// Turns a domain name into the URLs the workflows fetch: https for real domains, http for the fixture web's
/// (it serves plain HTTP on loopback).
/// </summary>
public sealed class SiteAddresses(FixtureHostRouting routing)
{
    /// <summary>The site's root, such as <c>https://example.com/</c>.</summary>
    public Uri Root(string domain)
        => new($"{(routing.IsFixtureHost(domain) ? Uri.UriSchemeHttp : Uri.UriSchemeHttps)}://{domain}/");

    /// <summary>Whether <paramref name="domain"/> is a host name a crawler can fetch (letters, digits, dots, hyphens).</summary>
    public static bool IsValidDomain(string domain)
        => Uri.CheckHostName(domain) == UriHostNameType.Dns && domain.Contains('.', StringComparison.Ordinal) && !domain.EndsWith('.');
}
