using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.FixtureWeb;
using ScraperSky.SampleHost.Tests.Infrastructure;

namespace ScraperSky.SampleHost.Tests.Workflows;

/// <summary><c>process_pending_domains</c> end to end: the real host crawls the fixture web and stores what it found.</summary>
public sealed class DomainMetadataWorkflowTests(SampleHostFixture host) : IClassFixture<SampleHostFixture>
{
    [Fact]
    public async Task ProcessPendingDomains_HealthySite_StoresHomePageMetadata()
    {
        var name = host.Web.HostFor(SiteKind.Standard, 1);
        var expected = host.Web.Site(name)!;

        var domain = await host.ExtractedDomainAsync(await host.AddDomainAsync(name));

        domain.Status.Should().Be(DomainExtractionStatus.Completed, domain.ErrorMessage);
        domain.ErrorMessage.Should().BeNull();
        domain.HttpStatus.Should().Be(200);
        domain.ServerHeader.Should().Be(expected.Server);
        domain.Title.Should().Be(expected.Title);
        domain.MetaDescription.Should().Be(expected.Description);
        domain.CanonicalUrl.Should().Be($"http://{name}/");
        domain.Language.Should().Be(expected.Language);
        domain.EmailAddresses.Should().Equal(expected.Emails);
        domain.PhoneNumbers.Should().Equal(expected.Phones);
        domain.Tld.Should().Be("test");
    }

    [Fact]
    public async Task ProcessPendingDomains_EntityEncodedTitle_StoresDecodedText()
    {
        // "Smith & Sons" is served as "Smith &amp; Sons"; find a site whose generated owner has the ampersand.
        var name = Enumerable.Range(1, 200).Select(n => host.Web.HostFor(SiteKind.WellKnown, n)).First(h => host.Web.Site(h)!.Title.Contains('&'));

        var domain = await host.ExtractedDomainAsync(await host.AddDomainAsync(name));

        domain.Title.Should().Be(host.Web.Site(name)!.Title).And.Contain("&").And.NotContain("&amp;");
    }

    [Theory]
    [InlineData(SiteKind.NotFound, "HTTP 404 Not Found fetching http://not-found-1.test/", 404)]
    [InlineData(SiteKind.ServerError, "HTTP 500 Internal Server Error fetching http://server-error-1.test/", 500)]
    [InlineData(SiteKind.Slow, "timed out after 2 s fetching http://slow-1.test/", null)]
    [InlineData(SiteKind.Huge, "response larger than 5 MB fetching http://huge-1.test/", null)]
    [InlineData(SiteKind.RedirectLoop, "redirect loop: http://redirect-loop-1.test/ → http://redirect-loop-1.test/loop/a → http://redirect-loop-1.test/loop/b → http://redirect-loop-1.test/loop/a", null)]
    public async Task ProcessPendingDomains_BrokenSite_EndsAsErrorWithReason(SiteKind kind, string reason, int? httpStatus)
    {
        var domain = await host.ExtractedDomainAsync(await host.AddDomainAsync(host.Web.HostFor(kind, 1)));

        domain.Status.Should().Be(DomainExtractionStatus.Error);
        domain.ErrorMessage.Should().Be(reason);
        domain.HttpStatus.Should().Be(httpStatus);
    }

    [Fact]
    public async Task ProcessPendingDomains_InvalidName_EndsAsErrorWithoutFetching()
    {
        var domain = await host.ExtractedDomainAsync(await host.AddDomainAsync("not a domain!"));

        domain.Status.Should().Be(DomainExtractionStatus.Error);
        domain.ErrorMessage.Should().Be("'not a domain!' is not a valid domain name");
        domain.HomePageFetchedAt.Should().BeNull();
    }

    [Fact]
    public async Task ProcessPendingDomains_UnknownFixtureHost_EndsAsErrorWithTheFixturesAnswer()
    {
        var domain = await host.ExtractedDomainAsync(await host.AddDomainAsync("nobody-here.test"));

        domain.Status.Should().Be(DomainExtractionStatus.Error);
        domain.ErrorMessage.Should().Be("HTTP 404 Not Found fetching http://nobody-here.test/");
    }

    [Fact]
    public async Task DevToolsTrigger_WithoutConfiguredKey_IsOff()
    {
        using var response = await host.Api.PostAsync("/api/dev-tools/jobs/process_pending_domains/run", null);

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().Contain("dev tools are off");
    }
}
