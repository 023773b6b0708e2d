using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.FixtureWeb;
using ScraperSky.SampleHost.Tests.Infrastructure;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Tests.Api;

/// <summary>
/// The job list over the library's scheduler, the dev-tools trigger (key check, runs, conflicts) and the health
/// endpoint. Every job but the imports runs only at start-up and when triggered (a one-day interval, no wake-up), so
/// a trigger never meets a scheduled run and each run the tests see is the one they caused.
/// </summary>
public sealed class JobEndpointsTests(JobEndpointsTests.Host host) : IClassFixture<JobEndpointsTests.Host>
{
    private static readonly string[] SchedulerJobIds = [.. ScraperSkyWorkflows.WorkflowNames];

    public sealed class Host : SampleHostFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings()
        {
            var settings = new Dictionary<string, string?>
            {
                ["DevTools:ApiKey"] = "test-key",
                [WorkflowSetting(ScraperSkyWorkflows.SitemapImportsJob, "Batch:Size")] = "25",
                [WorkflowSetting(ScraperSkyWorkflows.SitemapImportsJob, "Schedule:Interval")] = "00:00:02",

                // The slow site keeps a triggered run busy this long, ample time for the conflicting trigger to arrive on a
                // loaded machine; healthy fetches of the other triggered runs get the same margin.
                ["Crawler:Timeout"] = "00:00:10",
            };
            foreach (var workflow in ScraperSkyWorkflows.WorkflowNames.Where(w => w != ScraperSkyWorkflows.SitemapImportsJob))
            {
                settings[WorkflowSetting(workflow, "Schedule:Interval")] = "1.00:00:00";
                settings[WorkflowSetting(workflow, "WakeUp:Enabled")] = "false";
            }

            return settings;
        }
    }

    [Fact]
    public async Task GetJobs_ListsTheFourSeedJobsWithTheirWorkflowsAndSettings()
    {
        var jobs = await host.Api.GetFromJsonAsync<JsonElement>("/api/jobs");

        jobs.EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).Should().Equal(
            "process_pending_domains", "process_pending_domain_sitemap_submissions", "process_pending_jobs", "process_sitemap_imports");
        jobs.EnumerateArray().Select(j => j.GetProperty("state").GetString()).Should().OnlyContain(s => s == "Scheduled" || s == "Running");
        var pendingJobs = Job(jobs, "process_pending_jobs");
        pendingJobs.GetProperty("environmentPrefix").GetString().Should().Be("SITEMAP");
        pendingJobs.GetProperty("workflows").EnumerateArray().Select(w => (w.GetProperty("jobId").GetString(), w.GetProperty("table").GetString() + "." + w.GetProperty("statusColumn").GetString()))
            .Should().Equal(("process_pending_jobs", "places_staging.deep_scan_status"), ("process_pending_jobs.sitemap_files", "sitemap_files.status"));
        var imports = Job(jobs, "process_sitemap_imports").GetProperty("workflows")[0];
        imports.GetProperty("batchSize").GetInt32().Should().Be(25, "the workflow's configuration section overrides the sample's code defaults");
        imports.GetProperty("interval").GetString().Should().Be("00:00:02");
        imports.GetProperty("cron").ValueKind.Should().Be(JsonValueKind.Null, "the sample schedules by interval");
        imports.GetProperty("mode").GetString().Should().Be("Lease", "the sample's code default, which no setting here overrides");
        imports.GetProperty("parallelism").GetInt32().Should().Be(4);
        imports.GetProperty("wakeUp").GetBoolean().Should().BeTrue();
        Job(jobs, "process_pending_domains").GetProperty("workflows")[0].GetProperty("wakeUp").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task GetJobs_AfterTheStartUpRuns_ReportsEachJobsLastRunAndNextRun()
    {
        var jobs = await StartUpRunsEndedAsync();

        foreach (var job in jobs.EnumerateArray())
        {
            var lastRun = job.GetProperty("lastRun");
            lastRun.GetProperty("outcome").GetString().Should().Be("Succeeded");
            lastRun.GetProperty("error").ValueKind.Should().Be(JsonValueKind.Null);
            TimeSpan.Parse(lastRun.GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(TimeSpan.Zero);
            job.GetProperty("nextRun").GetDateTimeOffset().Should().BeAfter(lastRun.GetProperty("time").GetDateTimeOffset(), job.GetProperty("jobId").GetString());
        }

        // A one-day interval from the start-up run (triggered runs keep the grid): the next run is a day after the start.
        var nextRun = Job(jobs, "process_pending_domains").GetProperty("nextRun").GetDateTimeOffset();
        nextRun.Should().BeOnOrAfter(host.StartedAt.AddDays(1)).And.BeOnOrBefore(DateTimeOffset.UtcNow.AddDays(1));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong-key", HttpStatusCode.Unauthorized)]
    public async Task RunJobNow_WithoutTheRightKey_Returns401(string? key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/dev-tools/jobs/process_pending_domains/run");
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await host.Api.SendAsync(request);

        response.StatusCode.Should().Be(expected);
        (await RowEndpointsTests.ErrorAsync(response)).Should().Be("missing or wrong X-Api-Key header");
    }

    [Fact]
    public async Task RunJobNow_QueuedDomain_RunsTheJobAndReportsTheRun()
    {
        await StartUpRunsEndedAsync();
        var id = await host.AddDomainAsync(host.Web.HostFor(SiteKind.Standard, 21));
        var before = DateTimeOffset.UtcNow;

        using var response = await TriggerAsync("process_pending_domains");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("jobId").GetString().Should().Be("process_pending_domains");
        var run = body.GetProperty("runs").EnumerateArray().Should().ContainSingle().Subject;
        run.GetProperty("jobId").GetString().Should().Be("process_pending_domains");
        run.GetProperty("outcome").GetString().Should().Be("Succeeded");
        run.GetProperty("items").GetInt32().Should().Be(1, "the run claimed the one queued domain");

        // The trigger answers when the run has ended, so the row is finished already: no waiting.
        var status = await host.SqlAsync("SELECT status::text FROM domains WHERE id = @p0", id);
        status.Should().Be(nameof(DomainExtractionStatus.Completed));

        var job = Job(await host.Api.GetFromJsonAsync<JsonElement>("/api/jobs"), "process_pending_domains");
        var lastRun = job.GetProperty("lastRun");
        lastRun.GetProperty("items").GetInt32().Should().Be(1);
        lastRun.GetProperty("time").GetDateTimeOffset().Should().BeOnOrAfter(before.AddSeconds(-1));

        // The counts are the library's cached counts (kept up to a minute at this one-day interval), so they need not
        // include this run yet; they say when they were taken.
        var counts = job.GetProperty("counts");
        counts.GetProperty("countedAt").GetDateTimeOffset().Should().BeOnOrAfter(host.StartedAt.AddSeconds(-1));
        counts.GetProperty("isExact").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task RunJobNow_PendingJobs_RunsBothWorkflowsOfTheJob()
    {
        await StartUpRunsEndedAsync();
        var place = (long)(await host.SqlAsync(
            "INSERT INTO places_staging (place_id, name, status, deep_scan_status) VALUES ('place-trigger-ok-1', 'test place', 'Selected', 'Queued') RETURNING id"))!;

        using var response = await TriggerAsync("process_pending_jobs");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var runs = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runs").EnumerateArray().ToList();
        runs.Select(r => (r.GetProperty("jobId").GetString(), r.GetProperty("outcome").GetString())).Should().Equal(
            ("process_pending_jobs", "Succeeded"), ("process_pending_jobs.sitemap_files", "Succeeded"));
        runs[0].GetProperty("items").GetInt32().Should().Be(1);
        (await host.SqlAsync("SELECT deep_scan_status::text FROM places_staging WHERE id = @p0", place)).Should().Be("Completed");
    }

    [Fact]
    public async Task RunJobNow_JobAlreadyRunning_Returns409AndStartsNothing()
    {
        await StartUpRunsEndedAsync();
        var id = await host.AddDomainAsync(host.Web.HostFor(SiteKind.Slow, 22));
        var first = TriggerAsync("process_pending_domains");

        // Lease mode shows the claim: while the row is Processing, the first triggered run is still in progress.
        await Eventually.UntilAsync(
            async () => (string?)await host.SqlAsync("SELECT status::text FROM domains WHERE id = @p0", id) == "Processing",
            "the triggered run claiming the slow domain");
        using var second = await TriggerAsync("process_pending_domains");

        second.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await RowEndpointsTests.ErrorAsync(second)).Should().StartWith("Job 'process_pending_domains' is already running");
        using var firstResponse = await first;
        firstResponse.StatusCode.Should().Be(HttpStatusCode.OK, "the first run was not disturbed");
        var run = (await firstResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runs")[0];
        run.GetProperty("items").GetInt32().Should().Be(1);
        (await host.SqlAsync("SELECT status::text FROM domains WHERE id = @p0", id)).Should().Be("Error", "the slow site timed out");
    }

    [Fact]
    public async Task RunJobNow_UnknownJobWithTheRightKey_Returns404()
    {
        using var response = await TriggerAsync("no_such_job");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await RowEndpointsTests.ErrorAsync(response)).Should().Be("No job has the id 'no_such_job'.");
    }

    [Fact]
    public async Task Health_DatabaseUpAndJobsScheduled_IsHealthyAndReportsEveryJob()
    {
        using var response = await host.Api.GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().Should().Be("Healthy");
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        checks.Keys.Should().BeEquivalentTo("database", "scrapersky-pipeline");
        checks["database"].GetProperty("status").GetString().Should().Be("Healthy");
        var pipeline = checks["scrapersky-pipeline"];
        pipeline.GetProperty("status").GetString().Should().Be("Healthy");
        var data = pipeline.GetProperty("data");
        data.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(SchedulerJobIds.SelectMany(id => new[] { "job:" + id, "job:" + id + ":rescue" }), "every lease-mode workflow has a rescuer job beside it");
        foreach (var job in data.EnumerateObject())
        {
            job.Value.GetProperty("state").GetString().Should().BeOneOf("Scheduled", "Running");
            job.Value.GetProperty("consecutiveFailures").GetInt32().Should().Be(0);
            job.Value.GetProperty("nextRun").GetString().Should().NotBeNullOrEmpty(job.Name);
        }
    }

    private static JsonElement Job(JsonElement jobs, string jobId) => jobs.EnumerateArray().Single(j => j.GetProperty("jobId").GetString() == jobId);

    private async Task<HttpResponseMessage> TriggerAsync(string jobId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/dev-tools/jobs/{jobId}/run");
        request.Headers.Add("X-Api-Key", "test-key");
        return await host.Api.SendAsync(request);
    }

    /// <summary>Waits until every job's first run (due when the host starts) has ended, so a trigger never meets it; returns the job list.</summary>
    private async Task<JsonElement> StartUpRunsEndedAsync()
    {
        var jobs = default(JsonElement);
        await Eventually.UntilAsync(
            async () =>
            {
                jobs = await host.Api.GetFromJsonAsync<JsonElement>("/api/jobs");
                return jobs.EnumerateArray().All(j => j.GetProperty("workflows").EnumerateArray().All(w => w.GetProperty("lastRun").ValueKind == JsonValueKind.Object));
            },
            "every job's start-up run");
        return jobs;
    }
}
