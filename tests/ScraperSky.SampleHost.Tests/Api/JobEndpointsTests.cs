using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ScraperSky.SampleHost.Tests.Infrastructure;

namespace ScraperSky.SampleHost.Tests.Api;

/// <summary>The job list, the dev-tools trigger's key check, and the health endpoint.</summary>
public sealed class JobEndpointsTests(JobEndpointsTests.Host host) : IClassFixture<JobEndpointsTests.Host>
{
    public sealed class Host : SampleHostFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>
        {
            ["DevTools:ApiKey"] = "test-key",
            ["SITEMAP_IMPORT_SCHEDULER_BATCH_SIZE"] = "25",
            ["SITEMAP_IMPORT_SCHEDULER_INTERVAL_SECONDS"] = "2",
        };
    }

    [Fact]
    public async Task GetJobs_ListsTheFourSeedJobsWithTheirWorkflows()
    {
        var jobs = await host.Api.GetFromJsonAsync<JsonElement>("/api/jobs");

        jobs.EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).Should().Equal(
            "process_pending_domains", "process_pending_domain_sitemap_submissions", "process_pending_jobs", "process_sitemap_imports");
        jobs.EnumerateArray().Should().OnlyContain(j => j.GetProperty("state").GetString() == "scheduled");
        var pendingJobs = jobs.EnumerateArray().Single(j => j.GetProperty("jobId").GetString() == "process_pending_jobs");
        pendingJobs.GetProperty("workflows").EnumerateArray().Select(w => w.GetProperty("table").GetString() + "." + w.GetProperty("statusColumn").GetString())
            .Should().Equal("places_staging.deep_scan_status", "sitemap_files.status");
        var imports = jobs.EnumerateArray().Single(j => j.GetProperty("jobId").GetString() == "process_sitemap_imports").GetProperty("workflows")[0];
        imports.GetProperty("batchSize").GetInt32().Should().Be(25, "the seeds' environment variables win");
        imports.GetProperty("interval").GetString().Should().Be("00:00:02");
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong-key", HttpStatusCode.Unauthorized)]
    [InlineData("test-key", HttpStatusCode.NotImplemented)]
    public async Task RunJobNow_ChecksTheApiKey(string? key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/dev-tools/jobs/process_pending_domains/run");
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await host.Api.SendAsync(request);

        response.StatusCode.Should().Be(expected);
        (await RowEndpointsTests.ErrorAsync(response)).Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task RunJobNow_UnknownJobWithTheRightKey_Returns404()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/dev-tools/jobs/no_such_job/run");
        request.Headers.Add("X-Api-Key", "test-key");

        using var response = await host.Api.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await RowEndpointsTests.ErrorAsync(response)).Should().Be("No job has the id 'no_such_job'.");
    }

    [Fact]
    public async Task Health_DatabaseUpAndJobsScheduled_IsHealthy()
    {
        using var response = await host.Api.GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().Should().Be("Healthy");
        body.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Should().Equal("database", "jobs");
    }
}
