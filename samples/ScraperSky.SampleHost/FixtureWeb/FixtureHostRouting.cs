using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>
/// The crawler's connect step: host names under the fixture's suffix (<c>site-001.test</c>) connect to the fixture
/// web's loopback port, so URLs keep real-looking names while staying on this machine; every other name is
/// resolved and connected as usual, so the same host crawls real domains unchanged.
/// </summary>
public sealed class FixtureHostRouting(FixtureWebServer server, IOptions<FixtureWebOptions> options)
{
    /// <summary>Whether <paramref name="host"/> belongs to the fixture web.</summary>
    public bool IsFixtureHost(string host)
        => options.Value.Enabled && host.EndsWith(options.Value.HostSuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        EndPoint endpoint = IsFixtureHost(context.DnsEndPoint.Host)
            ? new IPEndPoint(IPAddress.Loopback, server.Port)
            : context.DnsEndPoint;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
