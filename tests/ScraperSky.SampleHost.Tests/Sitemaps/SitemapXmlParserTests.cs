using System.Text;
using ScraperSky.SampleHost.Sitemaps;

namespace ScraperSky.SampleHost.Tests.Sitemaps;

public sealed class SitemapXmlParserTests
{
    private static readonly Uri Source = new("http://example.test/sitemap.xml");

    [Fact]
    public void Parse_UrlSetWithHintsAndExtensions_ReadsEveryEntry()
    {
        var document = Parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
              <url><loc> http://example.test/a </loc><lastmod>2024-03-05</lastmod><changefreq>Weekly</changefreq><priority>0.8</priority>
                <image:image><image:loc>http://example.test/a.png</image:loc></image:image></url>
              <url><loc>http://example.test/b</loc><lastmod>2024-03-05T10:30:00+02:00</lastmod><changefreq>sometimes</changefreq><priority>7</priority></url>
              <url><loc>/relative</loc></url>
              <url/>
            </urlset>
            """);

        document.IsIndex.Should().BeFalse();
        document.SkippedEntries.Should().Be(2);
        document.Entries.Should().Equal(
            new SitemapEntry(new Uri("http://example.test/a"), new DateTimeOffset(2024, 3, 5, 0, 0, 0, TimeSpan.Zero), "weekly", 0.8m),
            new SitemapEntry(new Uri("http://example.test/b"), new DateTimeOffset(2024, 3, 5, 8, 30, 0, TimeSpan.Zero), null, null));
    }

    [Fact]
    public void Parse_IndexWithoutNamespace_ReadsChildren()
    {
        var document = Parse("<sitemapindex><sitemap><loc>http://example.test/1.xml</loc></sitemap><sitemap><loc>http://example.test/2.xml.gz</loc></sitemap></sitemapindex>");

        document.IsIndex.Should().BeTrue();
        document.Entries.Select(e => e.Location.AbsoluteUri).Should().Equal("http://example.test/1.xml", "http://example.test/2.xml.gz");
    }

    [Fact]
    public void Parse_Dtd_IsRefused()
    {
        // An entity-expansion ("billion laughs") or external-entity payload needs a DTD; none is ever processed.
        var parse = () => Parse("""
            <?xml version="1.0"?>
            <!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <urlset><url><loc>&x;</loc></url></urlset>
            """);

        parse.Should().Throw<SitemapFormatException>().WithMessage("not a sitemap: it declares <!DOCTYPE urlset>, and sitemaps have no DTD (http://example.test/sitemap.xml)");
    }

    [Fact]
    public void Parse_MalformedOnFirstLine_SaysMalformedWithoutALineZero()
    {
        var parse = () => Parse("");

        parse.Should().Throw<SitemapFormatException>().WithMessage("malformed XML*").Which.Message.Should().NotContain("line 0");
    }

    [Fact]
    public void Parse_MoreEntriesThanTheLimit_Throws()
    {
        var xml = "<urlset>" + string.Concat(Enumerable.Range(1, 4).Select(i => $"<url><loc>http://example.test/{i}</loc></url>")) + "</urlset>";

        var parse = () => SitemapXmlParser.Parse(Encoding.UTF8.GetBytes(xml), Source, maxEntries: 3);

        parse.Should().Throw<SitemapFormatException>().WithMessage("sitemap lists more than 3 URLs (http://example.test/sitemap.xml)");
    }

    [Fact]
    public void Parse_HtmlPage_IsNotASitemap()
    {
        var parse = () => Parse("<html><body>hello</body></html>");

        parse.Should().Throw<SitemapFormatException>().WithMessage("not a sitemap: the root element is <html>, expected <urlset> or <sitemapindex> (http://example.test/sitemap.xml)");
    }

    [Fact]
    public void Parse_Truncated_ReportsTheLine()
    {
        var parse = () => Parse("<urlset>\n<url>\n<loc>http://example.test/a</loc>\n");

        parse.Should().Throw<SitemapFormatException>().WithMessage("malformed XML at line 4: *");
    }

    private static SitemapDocument Parse(string xml) => SitemapXmlParser.Parse(Encoding.UTF8.GetBytes(xml), Source, 50_000);
}
