using System.Globalization;
using Microsoft.EntityFrameworkCore;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.FixtureWeb;
using ScraperSky.SampleHost.Tests.Infrastructure;

namespace ScraperSky.SampleHost.Tests.Workflows;

/// <summary>
/// <c>process_sitemap_imports</c> end to end: urlsets become pages with their hints, gzip files are inflated, indexes
/// queue their children one level deeper, and every broken kind ends as an error with its reason.
/// </summary>
public sealed class SitemapImportWorkflowTests(SampleHostFixture host) : IClassFixture<SampleHostFixture>
{
    [Fact]
    public async Task Import_UrlSet_UpsertsPagesWithLastmodChangefreqAndPriority()
    {
        var name = host.Web.HostFor(SiteKind.WellKnown, 1);
        var domainId = await host.AddDomainAsync(name, queueExtraction: false);
        var fileId = await host.AddSitemapFileAsync(domainId, $"http://{name}/sitemap.xml");

        var file = await host.ImportedFileAsync(fileId);

        file.SitemapImportStatus.Should().Be(SitemapImportStatus.Completed, file.SitemapImportError);
        file.IsIndex.Should().BeFalse();
        file.IsGzipped.Should().BeFalse();
        var expected = host.Web.UrlSet(name, "/sitemap.xml");
        file.PagesImported.Should().Be(expected.Count);
        await ShouldHavePagesAsync(fileId, expected);
    }

    [Fact]
    public async Task Import_SitemapIndex_QueuesChildrenWhichImportIncludingGzip()
    {
        var name = host.Web.HostFor(SiteKind.Standard, 2);
        var domainId = await host.AddDomainAsync(name, queueExtraction: false);
        var indexId = await host.AddSitemapFileAsync(domainId, $"http://{name}/sitemap_index.xml");

        var index = await host.ImportedFileAsync(indexId);

        index.SitemapImportStatus.Should().Be(SitemapImportStatus.Completed, index.SitemapImportError);
        index.IsIndex.Should().BeTrue();
        index.ChildSitemapsQueued.Should().Be(2);
        var children = await host.QueryAsync(db => db.SitemapFiles.AsNoTracking().Where(f => f.ParentSitemapFileId == indexId).OrderBy(f => f.Url).ToListAsync());
        children.Select(c => c.Url).Should().Equal($"http://{name}/sitemaps/pages.xml", $"http://{name}/sitemaps/posts.xml.gz");
        children.Should().OnlyContain(c => c.Depth == 1 && c.DomainId == domainId && c.DiscoveredVia == "sitemap index");

        var gzip = await host.ImportedFileAsync(children[1].Id);
        gzip.SitemapImportStatus.Should().Be(SitemapImportStatus.Completed, gzip.SitemapImportError);
        gzip.IsGzipped.Should().BeTrue();
        await ShouldHavePagesAsync(gzip.Id, host.Web.UrlSet(name, "/sitemaps/posts.xml.gz"));
        (await host.ImportedFileAsync(children[0].Id)).SitemapImportStatus.Should().Be(SitemapImportStatus.Completed);
    }

    [Fact]
    public async Task Import_SameFileTwice_UpdatesPagesInsteadOfDuplicating()
    {
        var name = host.Web.HostFor(SiteKind.WellKnown, 3);
        var domainId = await host.AddDomainAsync(name, queueExtraction: false);
        var fileId = await host.AddSitemapFileAsync(domainId, $"http://{name}/sitemap.xml");
        await host.ImportedFileAsync(fileId);

        await host.SqlAsync("UPDATE sitemap_files SET sitemap_import_status = 'Queued' WHERE id = @p0", fileId);
        var again = await host.ImportedFileAsync(fileId);

        again.SitemapImportStatus.Should().Be(SitemapImportStatus.Completed);
        (await host.SqlAsync("SELECT count(*) FROM pages WHERE domain_id = @p0", domainId)).Should().Be((long)host.Web.UrlSet(name, "/sitemap.xml").Count);
    }

    [Fact]
    public async Task Import_EndlessIndexChain_StopsAtTheDepthLimit()
    {
        var name = host.Web.HostFor(SiteKind.DeepIndex, 4);
        var domainId = await host.AddDomainAsync(name, queueExtraction: false);
        await host.AddSitemapFileAsync(domainId, $"http://{name}/sitemap_index.xml");

        var deepest = await Eventually.UntilAsync(
            () => host.QueryAsync(db => db.SitemapFiles.AsNoTracking().FirstOrDefaultAsync(f => f.DomainId == domainId && f.SitemapImportStatus == SitemapImportStatus.Error)),
            "the chain's error");

        deepest.Depth.Should().Be(3);
        deepest.SitemapImportError.Should().Be($"sitemap indexes nested deeper than 3 levels: http://{name}/sitemaps/level-3.xml is an index at depth 3");
        (await host.SqlAsync("SELECT count(*) FROM sitemap_files WHERE domain_id = @p0", domainId)).Should().Be(4L);
    }

    [Theory]
    [InlineData(SiteKind.MalformedSitemap, "/sitemap.xml", "malformed XML at line 3: The 'url' start tag on line 3 position 2 does not match the end tag of 'urlset'. (http://malformed-sitemap-5.test/sitemap.xml)")]
    [InlineData(SiteKind.HugeSitemap, "/sitemap.xml.gz", "response larger than 5 MB fetching http://huge-sitemap-5.test/sitemap.xml.gz")]
    [InlineData(SiteKind.MissingSitemap, "/sitemap-missing.xml", "HTTP 404 Not Found fetching http://missing-sitemap-5.test/sitemap-missing.xml")]
    [InlineData(SiteKind.NotFound, "/sitemap.xml", "HTTP 404 Not Found fetching http://not-found-5.test/sitemap.xml")]
    [InlineData(SiteKind.ServerError, "/sitemap.xml", "HTTP 500 Internal Server Error fetching http://server-error-5.test/sitemap.xml")]
    [InlineData(SiteKind.Slow, "/sitemap.xml", "timed out after 2 s fetching http://slow-5.test/sitemap.xml")]
    [InlineData(SiteKind.Huge, "/sitemap.xml", "response larger than 5 MB fetching http://huge-5.test/sitemap.xml")]
    [InlineData(SiteKind.RedirectLoop, "/sitemap.xml", "redirect loop: http://redirect-loop-5.test/sitemap.xml → http://redirect-loop-5.test/loop/a → http://redirect-loop-5.test/loop/b → http://redirect-loop-5.test/loop/a")]
    [InlineData(SiteKind.Standard, "/", "not a sitemap: it declares <!DOCTYPE html>, and sitemaps have no DTD (http://standard-5.test/)")]
    public async Task Import_BrokenSitemap_EndsAsErrorWithReason(SiteKind kind, string path, string reason)
    {
        var name = host.Web.HostFor(kind, 5);
        var domainId = await host.AddDomainAsync(name, queueExtraction: false);
        var fileId = await host.AddSitemapFileAsync(domainId, $"http://{name}{path}");

        var file = await host.ImportedFileAsync(fileId);

        file.SitemapImportStatus.Should().Be(SitemapImportStatus.Error);
        file.SitemapImportError.Should().Be(reason);
        (await host.SqlAsync("SELECT count(*) FROM pages WHERE sitemap_file_id = @p0", fileId)).Should().Be(0L);
    }

    private async Task ShouldHavePagesAsync(long fileId, IReadOnlyList<FixtureSitemapEntry> expected)
    {
        var pages = await host.QueryAsync(db => db.Pages.AsNoTracking().Where(p => p.SitemapFileId == fileId).OrderBy(p => p.Id).ToListAsync());
        pages.Select(p => (p.Url, p.LastModified, p.ChangeFrequency, p.Priority)).Should().BeEquivalentTo(
            expected.Select(e => (
                e.Location,
                e.LastModified is null ? (DateTimeOffset?)null : DateTimeOffset.Parse(e.LastModified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                e.ChangeFrequency,
                e.Priority is null ? (decimal?)null : decimal.Parse(e.Priority, CultureInfo.InvariantCulture))),
            o => o.WithStrictOrdering());
    }
}
