using ScraperSky.SampleHost.Workflows.SitemapDiscovery;

namespace ScraperSky.SampleHost.Tests.Workflows;

public sealed class RobotsTxtTests
{
    [Fact]
    public void SitemapUrls_AnyCaseRelativeAndComments_ResolvedAgainstTheRobotsUrl()
    {
        var robots = "User-agent: *\r\nDisallow: /private/\nSitemap: /a.xml\nSITEMAP:https://other.test/b.xml # comment\n# Sitemap: /commented.xml\nsitemap: ftp://x.test/c.xml\nSitemap:\n";

        var urls = RobotsTxt.SitemapUrls(robots, new Uri("http://site.test/robots.txt"));

        urls.Select(u => u.AbsoluteUri).Should().Equal("http://site.test/a.xml", "https://other.test/b.xml");
    }
}
