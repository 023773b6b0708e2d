using System.Net;
using Microsoft.Extensions.Options;

namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>
/// Where fixture-web names live: host names under the fixture's suffix (<c>site-001.test</c>) connect to the fixture
/// web's loopback port, so URLs keep real-looking names while staying on this machine; every other name is resolved as
/// usual, so the same host crawls real domains unchanged (see <c>Http.CrawlerNetworkPolicy</c>).
/// </summary>
public sealed class FixtureHostRouting(FixtureWebServer server, IOptions<FixtureWebOptions> options)
{
    /// <summary>Whether <paramref name="host"/> belongs to the fixture web.</summary>
    public bool IsFixtureHost(string host)
        => options.Value.Enabled && host.EndsWith(options.Value.HostSuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The fixture web's loopback endpoint for <paramref name="host"/>, or <see langword="null"/> for any other name.</summary>
    public IPEndPoint? FixtureEndpoint(string host) => IsFixtureHost(host) ? new IPEndPoint(IPAddress.Loopback, server.Port) : null;
}
