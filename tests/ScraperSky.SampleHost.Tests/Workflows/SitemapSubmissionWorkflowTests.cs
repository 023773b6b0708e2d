using Microsoft.EntityFrameworkCore;
using ScraperSky.SampleHost.Curation;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.FixtureWeb;
using ScraperSky.SampleHost.Tests.Infrastructure;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Tests.Workflows;

/// <summary>
/// <c>process_pending_domain_sitemap_submissions</c> end to end: robots.txt and well-known discovery into
/// <c>sitemap_files</c>, without duplicates. Imports are switched off here so the discovered rows stay as written.
/// </summary>
public sealed class SitemapSubmissionWorkflowTests(SitemapSubmissionWorkflowTests.Host host) : IClassFixture<SitemapSubmissionWorkflowTests.Host>
{
    public sealed class Host : SampleHostFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>(Disabled(
            ScraperSkyWorkflows.SitemapImportsJob, ScraperSkyWorkflows.PendingJobsJob, ScraperSkyWorkflows.LegacySitemapWorkflow, ScraperSkyWorkflows.DomainsJob));
    }

    [Fact]
    public async Task Submission_RobotsListsSameSitemapTwiceAndItIsWellKnown_RecordsEachUrlOnce()
    {
        var name = host.Web.HostFor(SiteKind.Duplicate, 1);
        var id = await host.AddDomainAsync(name, queueExtraction: false, queueSitemapAnalysis: true);

        var domain = await host.AnalysedDomainAsync(id);

        domain.SitemapAnalysisStatus.Should().Be(SitemapAnalysisStatus.Completed, domain.SitemapAnalysisError);
        domain.SitemapsFound.Should().Be(2);
        var files = await FilesAsync(id);
        files.Select(f => (f.Url, f.DiscoveredVia)).Should().BeEquivalentTo(new[]
        {
            ($"http://{name}/sitemap.xml", "robots.txt"),
            ($"http://{name}/news-sitemap.xml", "robots.txt"),
        });
        files.Should().OnlyContain(f => f.SitemapImportStatus == SitemapImportStatus.Queued && f.Status == SitemapFileStatus.Pending
            && f.DeepScrapeCurationStatus == SitemapCurationStatus.Selected && f.Depth == 0);
    }

    [Fact]
    public async Task Submission_RunTwice_AddsNoDuplicates()
    {
        var name = host.Web.HostFor(SiteKind.Standard, 2);
        var id = await host.AddDomainAsync(name, queueExtraction: false, queueSitemapAnalysis: true);
        await host.AnalysedDomainAsync(id);

        await host.SqlAsync("UPDATE domains SET sitemap_analysis_status = 'Queued' WHERE id = @p0", id);
        var again = await host.AnalysedDomainAsync(id);

        again.SitemapAnalysisStatus.Should().Be(SitemapAnalysisStatus.Completed);
        (await FilesAsync(id)).Select(f => f.Url).Should().Equal($"http://{name}/sitemap_index.xml");
    }

    [Fact]
    public async Task Submission_NoSitemapLine_FindsWellKnownPath()
    {
        var name = host.Web.HostFor(SiteKind.WellKnown, 3);
        var id = await host.AddDomainAsync(name, queueExtraction: false, queueSitemapAnalysis: true);

        (await host.AnalysedDomainAsync(id)).SitemapsFound.Should().Be(1);
        (await FilesAsync(id)).Select(f => (f.Url, f.DiscoveredVia)).Should().Equal(($"http://{name}/sitemap.xml", "well-known path"));
    }

    [Theory]
    [InlineData(SiteKind.NoSitemap)]
    [InlineData(SiteKind.NotFound)]
    public async Task Submission_SiteWithoutSitemaps_CompletesWithNone(SiteKind kind)
    {
        var id = await host.AddDomainAsync(host.Web.HostFor(kind, 4), queueExtraction: false, queueSitemapAnalysis: true);

        var domain = await host.AnalysedDomainAsync(id);

        domain.SitemapAnalysisStatus.Should().Be(SitemapAnalysisStatus.Completed);
        domain.SitemapsFound.Should().Be(0);
        (await FilesAsync(id)).Should().BeEmpty();
    }

    [Theory]
    [InlineData(SiteKind.ServerError, "robots.txt unavailable: HTTP 500 Internal Server Error fetching http://server-error-5.test/robots.txt")]
    [InlineData(SiteKind.Slow, "robots.txt unavailable: timed out after 2 s fetching http://slow-5.test/robots.txt")]
    [InlineData(SiteKind.Huge, "robots.txt unavailable: response larger than 5 MB fetching http://huge-5.test/robots.txt")]
    [InlineData(SiteKind.RedirectLoop, "robots.txt unavailable: redirect loop: http://redirect-loop-5.test/robots.txt → http://redirect-loop-5.test/loop/a → http://redirect-loop-5.test/loop/b → http://redirect-loop-5.test/loop/a")]
    public async Task Submission_BrokenSite_EndsAsErrorWithReason(SiteKind kind, string reason)
    {
        var id = await host.AddDomainAsync(host.Web.HostFor(kind, 5), queueExtraction: false, queueSitemapAnalysis: true);

        var domain = await host.AnalysedDomainAsync(id);

        domain.SitemapAnalysisStatus.Should().Be(SitemapAnalysisStatus.Error);
        domain.SitemapAnalysisError.Should().Be(reason);
        (await FilesAsync(id)).Should().BeEmpty();
    }

    [Fact]
    public async Task Curation_SelectedAfterFailedAttempts_QueuesTheRowCleanAndItIsProcessed()
    {
        // A domain whose analysis failed before and left its bookkeeping behind: attempts, error text, claim token, and a
        // next attempt a day away (queued with that, the row would wait a day before any host claimed it).
        var name = host.Web.HostFor(SiteKind.WellKnown, 7);
        var id = await host.AddDomainAsync(name, queueExtraction: false);
        await host.SqlAsync(
            """
            UPDATE domains SET sitemap_analysis_status = 'Error', sitemap_analysis_error = 'old failure', sitemap_analysis_attempts = 4,
                sitemap_analysis_claimed_by = 'old-claim', sitemap_analysis_next_attempt_at = now() + interval '1 day'
            WHERE id = @p0
            """,
            id);

        await using (var scope = host.App.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<CurationService>().CurateDomainsAsync([id], SitemapCurationStatus.Selected, CancellationToken.None);
            result.Queued.Should().Be(1);
        }

        var domain = await host.AnalysedDomainAsync(id);
        domain.SitemapAnalysisStatus.Should().Be(SitemapAnalysisStatus.Completed, domain.SitemapAnalysisError);
        domain.SitemapAnalysisError.Should().BeNull();
        domain.SitemapAnalysisAttempts.Should().Be(0, "a completed row's count restarts");
        domain.SitemapAnalysisClaimedBy.Should().BeNull();
        domain.SitemapAnalysisNextAttemptAt.Should().BeNull();
        domain.SitemapsFound.Should().Be(1);
    }

    [Fact]
    public async Task SitemapFiles_SameDomainAndUrl_AreRejectedByTheUniqueKey()
    {
        var id = await host.AddDomainAsync(host.Web.HostFor(SiteKind.Standard, 6), queueExtraction: false);
        await host.AddSitemapFileAsync(id, "http://standard-6.test/sitemap.xml", queueImport: false);

        var second = () => host.AddSitemapFileAsync(id, "http://standard-6.test/sitemap.xml", queueImport: false);

        (await second.Should().ThrowAsync<Npgsql.PostgresException>()).Which.ConstraintName.Should().Be("sitemap_files_domain_url");
    }

    private Task<List<SitemapFile>> FilesAsync(long domainId)
        => host.QueryAsync(db => db.SitemapFiles.AsNoTracking().Where(f => f.DomainId == domainId).OrderBy(f => f.Id).ToListAsync());
}
