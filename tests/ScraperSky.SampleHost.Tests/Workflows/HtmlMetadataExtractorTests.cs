using System.Text;
using ScraperSky.SampleHost.Workflows.DomainMetadata;

namespace ScraperSky.SampleHost.Tests.Workflows;

public sealed class HtmlMetadataExtractorTests
{
    [Fact]
    public void Extract_MessyRealWorldHead_FindsEveryField()
    {
        const string html = """
            <!doctype html><HTML class="no-js" LANG='en-GB'><head>
            <META property="og:description" content="OG text">
            <meta name=description content="Caf&eacute; &amp; bar">
            <title>
              Joe's   Caf&eacute;
            </title>
            <link href="/home" rel="alternate canonical">
            <script>var email = "hidden@script.test"; var tel = "+1 999 999 9999";</script>
            </head><body>
            <a href="mailto:Orders@Joes.test?subject=hi">mail</a> logo@2x.png
            Opened 2019-01-01. Call (512) 555-0100 or <a href="tel:+44%2020%207946%200000">London</a>.
            </body></html>
            """;

        var metadata = HtmlMetadataExtractor.Extract(Encoding.UTF8.GetBytes(html), "text/html; charset=utf-8", new Uri("https://joes.test/"));

        metadata.Title.Should().Be("Joe's Café");
        metadata.Description.Should().Be("OG text");
        metadata.CanonicalUrl.Should().Be("https://joes.test/home");
        metadata.Language.Should().Be("en-GB");
        metadata.Emails.Should().Equal("orders@joes.test");
        metadata.Phones.Should().Equal("(512) 555-0100", "+44 20 7946 0000");
    }

    [Fact]
    public void Extract_EmptyDocument_ReturnsNothing()
    {
        var metadata = HtmlMetadataExtractor.Extract([], null, new Uri("https://empty.test/"));

        metadata.Should().BeEquivalentTo(new HomePageMetadata(null, null, null, null, [], []));
    }
}
