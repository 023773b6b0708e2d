using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ScraperSky.SampleHost.FixtureWeb;

namespace ScraperSky.SampleHost.Http;

/// <summary>
/// The crawler's connect step (a <see cref="SocketsHttpHandler.ConnectCallback"/>): resolves the host name itself, refuses
/// loopback, link-local, private and other non-public addresses unless <see cref="CrawlerOptions.AllowPrivateNetworks"/>
/// is on, and connects to an address it checked, so a robots.txt, sitemap or redirect cannot point the crawler at the
/// cloud metadata service (169.254.169.254), the database port on this machine or the internal network, and a name that
/// resolves differently the second time (DNS rebinding) cannot slip past the check. Fixture-web names connect to the
/// fixture's loopback port, which is loopback too: the demo and the tests opt in.
/// </summary>
public sealed class CrawlerNetworkPolicy(FixtureHostRouting fixture, IOptionsMonitor<CrawlerOptions> options)
{
    /// <summary>Whether <paramref name="address"/> is not a public internet address: loopback, link-local, private, shared (CGNAT), unspecified, multicast or reserved.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,                  // "this network", private, loopback
                100 => b[1] is >= 64 and <= 127,         // shared address space (carrier-grade NAT)
                169 => b[1] == 254,                      // link-local, the cloud metadata service
                172 => b[1] is >= 16 and <= 31,          // private
                192 => (b[1] == 168) || (b[1] == 0 && b[2] == 0), // private, IETF protocol assignments
                198 => b[1] is 18 or 19,                 // benchmarking
                >= 224 => true,                          // multicast, reserved, broadcast
                _ => false,
            };
        }

        return IPAddress.IsLoopback(address)
            || address.Equals(IPAddress.IPv6None)
            || address.IsIPv6LinkLocal
            || address.IsIPv6SiteLocal
            || address.IsIPv6UniqueLocal
            || address.IsIPv6Multicast;
    }

    /// <summary>Connects to the request's host on a checked address.</summary>
    /// <exception cref="HttpRequestException">Every address of the host is refused, or none accepts the connection.</exception>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IPEndPoint[] candidates = fixture.FixtureEndpoint(host) is { } fixtureEndpoint
            ? [fixtureEndpoint]
            : (await Dns.GetHostAddressesAsync(host, cancellationToken)).Select(a => new IPEndPoint(a, context.DnsEndPoint.Port)).ToArray();
        var allowed = options.CurrentValue.AllowPrivateNetworks ? candidates : candidates.Where(e => !IsPrivate(e.Address)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(
                $"{host} resolves to a private or local network address ({string.Join(", ", candidates.Select(e => e.Address))}), which the crawler refuses; "
                + $"set {CrawlerOptions.Section}:{nameof(CrawlerOptions.AllowPrivateNetworks)}=true to crawl it");
        }

        Exception? last = null;
        foreach (var endpoint in allowed)
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endpoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new HttpRequestException(last!.Message, last);
    }
}
