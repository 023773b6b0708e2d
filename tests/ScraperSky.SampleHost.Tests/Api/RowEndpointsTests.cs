using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Tests.Infrastructure;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Tests.Api;

/// <summary>
/// The row routers: validation, paging, unknown ids, and the dual-status curation transaction. Every job is
/// switched off (through the workflows' configuration sections) so queued rows stay queued for the assertions.
/// </summary>
public sealed class RowEndpointsTests(RowEndpointsTests.Host host) : IClassFixture<RowEndpointsTests.Host>
{
    public sealed class Host : SampleHostFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>(Disabled([.. ScraperSkyWorkflows.WorkflowNames]))
        {
            ["DevTools:ApiKey"] = TestApiKey,
        };
    }

    [Theory]
    [InlineData("/api/domains?page=0", "page must be a whole number of at least 1, not '0'")]
    [InlineData("/api/domains?page=abc", "page must be a whole number of at least 1, not 'abc'")]
    [InlineData("/api/domains?size=0", "size must be a whole number from 1 to 200, not '0'")]
    [InlineData("/api/domains?size=201", "size must be a whole number from 1 to 200, not '201'")]
    [InlineData("/api/domains?status=Done", "status 'Done' is not one of: Queued, Processing, Completed, Error")]
    [InlineData("/api/domains?sitemapCurationStatus=Unfit", "sitemapCurationStatus 'Unfit' is not one of: New, Selected, Maybe, Not a Fit, Archived")]
    [InlineData("/api/sitemap-files?importStatus=Pending", "importStatus 'Pending' is not one of: Queued, Processing, Completed, Error")]
    [InlineData("/api/sitemap-files?domainId=-3", "domainId must be a positive whole number, not '-3'")]
    [InlineData("/api/pages?sitemapFileId=x", "sitemapFileId must be a positive whole number, not 'x'")]
    [InlineData("/api/places-staging?deepScanStatus=Pending", "deepScanStatus 'Pending' is not one of: Queued, Processing, Completed, Error")]
    [InlineData("/api/local-businesses?size=1000", "size must be a whole number from 1 to 200, not '1000'")]
    public async Task List_InvalidQuery_Returns400WithMessage(string path, string message)
    {
        using var response = await host.Api.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await ErrorAsync(response)).Should().Be(message);
    }

    [Fact]
    public async Task ListDomains_FilterAndPages_ReturnsTheRightSliceAndTotal()
    {
        for (var i = 1; i <= 7; i++)
        {
            await host.AddDomainAsync($"paging-{i}.example");
        }

        await host.SqlAsync("UPDATE domains SET status = 'Error' WHERE domain IN ('paging-2.example', 'paging-4.example', 'paging-6.example')");

        var second = await host.Api.GetFromJsonAsync<JsonElement>("/api/domains?status=Error&page=2&size=2");
        var notAFit = await host.Api.GetFromJsonAsync<JsonElement>("/api/domains?sitemapCurationStatus=Not%20a%20Fit&size=200");

        second.GetProperty("total").GetInt64().Should().Be(3);
        second.GetProperty("page").GetInt32().Should().Be(2);
        second.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("domain").GetString()).Should().Equal("paging-6.example");
        notAFit.GetProperty("items").EnumerateArray().Should().OnlyContain(d => d.GetProperty("sitemapCurationStatus").GetString() == "Not a Fit");
    }

    [Theory]
    [InlineData("/api/domains/987654", "no domain has id 987654")]
    [InlineData("/api/sitemap-files/987654", "no sitemap file has id 987654")]
    public async Task Get_UnknownId_Returns404(string path, string message)
    {
        using var response = await host.Api.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await ErrorAsync(response)).Should().Be(message);
    }

    [Fact]
    public async Task CurateDomains_Selected_QueuesSitemapAnalysisAndClearsWhatTheLastRunLeft()
    {
        var id = await host.AddDomainAsync("select-me.example", queueExtraction: false);
        await host.SqlAsync(
            """
            UPDATE domains SET sitemap_analysis_status = 'Error', sitemap_analysis_error = 'old failure', sitemap_analysis_attempts = 3,
                sitemap_analysis_lease_expires_at = now(), sitemap_analysis_claimed_by = 'old-claim', sitemap_analysis_next_attempt_at = now() + interval '1 day'
            WHERE id = @p0
            """,
            id);

        using var response = await host.PutJsonAsync("/api/domains/sitemap-curation", new { ids = new[] { id }, status = "Selected" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queued").GetInt32().Should().Be(1);
        var domain = await host.QueryAsync(db => db.Domains.AsNoTracking().SingleAsync(d => d.Id == id));
        domain.SitemapCurationStatus.Should().Be(SitemapCurationStatus.Selected);
        domain.SitemapAnalysisStatus.Should().Be(SitemapAnalysisStatus.Queued);
        domain.SitemapAnalysisError.Should().BeNull();
        domain.SitemapAnalysisAttempts.Should().Be(0, "the library's queueing starts the row afresh");
        domain.SitemapAnalysisLeaseExpiresAt.Should().BeNull();
        domain.SitemapAnalysisClaimedBy.Should().BeNull();
        domain.SitemapAnalysisNextAttemptAt.Should().BeNull();
    }

    [Fact]
    public async Task CurateDomains_NotAFit_ChangesCurationOnly()
    {
        var id = await host.AddDomainAsync("not-a-fit.example", queueExtraction: false);

        using var response = await host.PutJsonAsync("/api/domains/sitemap-curation", new { ids = new[] { id }, status = "Not a Fit" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var domain = await host.QueryAsync(db => db.Domains.AsNoTracking().SingleAsync(d => d.Id == id));
        domain.SitemapCurationStatus.Should().Be(SitemapCurationStatus.NotAFit);
        domain.SitemapAnalysisStatus.Should().BeNull();
        (await host.SqlAsync("SELECT sitemap_curation_status::text FROM domains WHERE id = @p0", id)).Should().Be("Not a Fit");
    }

    [Fact]
    public async Task CuratePlacesAndSitemapFiles_Selected_QueueDeepScanAndImport()
    {
        var placeId = (long)(await host.SqlAsync("INSERT INTO places_staging (place_id, name) VALUES ('curate-place', 'x') RETURNING id"))!;
        var domainId = await host.AddDomainAsync("curate-files.example", queueExtraction: false);
        var fileId = await host.AddSitemapFileAsync(domainId, "http://curate-files.example/sitemap.xml", queueImport: false);

        (await host.PutJsonAsync("/api/places-staging/status", new { ids = new[] { placeId }, status = "Selected" })).StatusCode.Should().Be(HttpStatusCode.OK);
        (await host.PutJsonAsync("/api/sitemap-files/curation", new { ids = new[] { fileId }, status = "selected" })).StatusCode.Should().Be(HttpStatusCode.OK);

        (await host.SqlAsync("SELECT status::text || '/' || deep_scan_status::text FROM places_staging WHERE id = @p0", placeId)).Should().Be("Selected/Queued");
        (await host.SqlAsync("SELECT deep_scrape_curation_status::text || '/' || sitemap_import_status::text FROM sitemap_files WHERE id = @p0", fileId)).Should().Be("Selected/Queued");
    }

    [Fact]
    public async Task CurateDomains_UnknownId_Returns404AndChangesNothing()
    {
        var id = await host.AddDomainAsync("partly-known.example", queueExtraction: false);

        using var response = await host.PutJsonAsync("/api/domains/sitemap-curation", new { ids = new[] { id, 987650, 987651 }, status = "Selected" });

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await ErrorAsync(response)).Should().Be("no domain has id 987650, 987651; nothing was changed");
        (await host.SqlAsync("SELECT sitemap_curation_status::text FROM domains WHERE id = @p0", id)).Should().Be("New");
    }

    [Fact]
    public async Task CurateDomains_QueueingFails_RollsBackTheCurationToo()
    {
        // The second statement of the transaction (queueing) fails for one row; the first (curation) must not stay.
        var good = await host.AddDomainAsync("rollback-good.example", queueExtraction: false);
        var bad = await host.AddDomainAsync("rollback-bad.example", queueExtraction: false);
        await host.SqlAsync("""
            CREATE FUNCTION refuse_queueing() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'queueing refused for %', NEW.domain; END $$;
            CREATE TRIGGER refuse_queueing BEFORE UPDATE OF sitemap_analysis_status ON domains
                FOR EACH ROW WHEN (NEW.domain = 'rollback-bad.example') EXECUTE FUNCTION refuse_queueing();
            """);
        try
        {
            using var response = await host.PutJsonAsync("/api/domains/sitemap-curation", new { ids = new[] { good, bad }, status = "Selected" });

            response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
            (await host.SqlAsync("SELECT count(*) FROM domains WHERE id IN (@p0, @p1) AND sitemap_curation_status = 'New' AND sitemap_analysis_status IS NULL", good, bad))
                .Should().Be(2L);
        }
        finally
        {
            await host.SqlAsync("DROP TRIGGER refuse_queueing ON domains; DROP FUNCTION refuse_queueing();");
        }
    }

    [Theory]
    [InlineData("{\"ids\": [], \"status\": \"Selected\"}", "ids must list at least one id")]
    [InlineData("{\"ids\": [1, -2], \"status\": \"Selected\"}", "ids must be positive whole numbers")]
    [InlineData("{\"ids\": [1]}", "status is required: one of New, Selected, Maybe, Not a Fit, Archived")]
    [InlineData("{\"ids\": [1], \"status\": \"Chosen\"}", "status 'Chosen' is not one of: New, Selected, Maybe, Not a Fit, Archived")]
    public async Task Curate_InvalidBody_Returns400WithMessage(string json, string message)
    {
        using var response = await host.PutAsync("/api/domains/sitemap-curation", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await ErrorAsync(response)).Should().Be(message);
    }

    [Fact]
    public async Task Curate_MalformedJson_Returns400WithMessage()
    {
        using var response = await host.PutAsync("/api/domains/sitemap-curation", new StringContent("{\"ids\": [1,", System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await ErrorAsync(response)).Should().Contain("JSON");
    }

    [Fact]
    public async Task Curate_TooManyIds_Returns400()
    {
        using var response = await host.PutJsonAsync("/api/domains/sitemap-curation", new { ids = Enumerable.Range(1, 1001).ToArray(), status = "Selected" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await ErrorAsync(response)).Should().Be("ids may list at most 1000 ids, not 1001");
    }

    internal static async Task<string?> ErrorAsync(HttpResponseMessage response)
        => (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
}
