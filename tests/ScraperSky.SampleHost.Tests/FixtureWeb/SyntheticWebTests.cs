using ScraperSky.SampleHost.FixtureWeb;

namespace ScraperSky.SampleHost.Tests.FixtureWeb;

public sealed class SyntheticWebTests
{
    [Fact]
    public void Generate_SameSeed_SameSitesAndContent()
    {
        var a = new SyntheticWeb(42, ".test", 200);
        var b = new SyntheticWeb(42, ".test", 200);

        a.GeneratedHosts.Should().HaveCount(200).And.Equal(b.GeneratedHosts);
        a.GeneratedHosts.Select(h => a.Site(h)).Should().BeEquivalentTo(b.GeneratedHosts.Select(h => b.Site(h)));
        a.UrlSet("site-001.test", "/sitemap.xml").Should().Equal(b.UrlSet("site-001.test", "/sitemap.xml"));
        a.Places(40).Should().Equal(b.Places(40));
    }

    [Fact]
    public void Generate_OtherSeed_OtherContent()
    {
        var a = new SyntheticWeb(42, ".test", 200);
        var b = new SyntheticWeb(43, ".test", 200);

        a.GeneratedHosts.Select(h => a.Site(h)!.Kind).Should().NotEqual(b.GeneratedHosts.Select(h => b.Site(h)!.Kind));
        a.GeneratedHosts.Select(h => a.Site(h)!.Title).Should().NotEqual(b.GeneratedHosts.Select(h => b.Site(h)!.Title));
    }

    [Fact]
    public void Generate_DemoWeb_HasEveryKindAndMostlyHealthySites()
    {
        var web = new SyntheticWeb(42, ".test", 200);

        var kinds = web.GeneratedHosts.Select(h => web.Site(h)!.Kind).ToList();

        kinds.Distinct().Should().BeEquivalentTo(Enum.GetValues<SiteKind>());
        kinds.Count(k => k >= SiteKind.NotFound).Should().Be(18);
    }

    [Theory]
    [InlineData("redirect-loop.test", SiteKind.RedirectLoop)]
    [InlineData("redirect-loop-12.test", SiteKind.RedirectLoop)]
    [InlineData("NOT-FOUND-3.test", SiteKind.NotFound)]
    [InlineData("well-known-1.test", SiteKind.WellKnown)]
    public void Site_KindNamedHost_ServesThatKind(string host, SiteKind kind)
        => new SyntheticWeb(1).Site(host)!.Kind.Should().Be(kind);

    [Theory]
    [InlineData("site-001.test")]
    [InlineData("unknown-kind.test")]
    [InlineData("standard-1.example")]
    public void Site_UnknownHost_IsNull(string host)
        => new SyntheticWeb(1).Site(host).Should().BeNull();
}
