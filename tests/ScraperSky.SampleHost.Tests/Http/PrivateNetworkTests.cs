using System.Net;
using System.Net.Sockets;
using ScraperSky.SampleHost.Http;
using ScraperSky.SampleHost.Tests.Infrastructure;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Tests.Http;

/// <summary>
/// The crawler refuses loopback, link-local and private addresses unless <c>Crawler:AllowPrivateNetworks</c> is on, so
/// a robots.txt or sitemap cannot point it at the metadata service or the database port (regression of the sample host
/// hardening: "a package a stranger can adopt in five minutes", item 6). Only loopback is dialled here: the refusal
/// happens before any connection, and the other ranges are checked without traffic.
/// </summary>
public sealed class PrivateNetworkTests(PrivateNetworkTests.Host host) : IClassFixture<PrivateNetworkTests.Host>
{
    public sealed class Host : SampleHostFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>(Disabled([.. ScraperSkyWorkflows.WorkflowNames]))
        {
            ["Crawler:AllowPrivateNetworks"] = "false",
        };
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task GetAsync_LoopbackAddress_IsRefusedWithoutConnecting(string hostName)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var fetcher = host.App.Services.GetRequiredService<PageFetcher>();

        var fetch = () => fetcher.GetAsync(new Uri($"http://{hostName}:{port}/robots.txt"), CancellationToken.None);

        (await fetch.Should().ThrowAsync<FetchException>()).Which.Message.Should()
            .Contain("private or local network").And.Contain("Crawler:AllowPrivateNetworks");
        listener.Pending().Should().BeFalse("the crawler must not open a connection to a refused address");
    }

    [Fact]
    public async Task GetAsync_FixtureWebWithoutTheOptIn_IsRefused()
    {
        var fetcher = host.App.Services.GetRequiredService<PageFetcher>();

        var fetch = () => fetcher.GetAsync(new Uri("http://standard-1.test/robots.txt"), CancellationToken.None);

        (await fetch.Should().ThrowAsync<FetchException>()).Which.Message.Should().Contain("Crawler:AllowPrivateNetworks");
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("169.254.169.254")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    public void IsPrivate_LocalAndPrivateAddresses_AreRefused(string address)
        => CrawlerNetworkPolicy.IsPrivate(IPAddress.Parse(address)).Should().BeTrue();

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("172.32.0.1")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:4700::1111")]
    public void IsPrivate_PublicAddresses_AreAllowed(string address)
        => CrawlerNetworkPolicy.IsPrivate(IPAddress.Parse(address)).Should().BeFalse();
}
