using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ScraperSky.SampleHost.Tests.Infrastructure;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Tests.Api;

/// <summary>
/// Disabled workflows are never scheduled: the job list says so, a trigger refuses a job whose workflows are all off
/// and runs only the enabled half of <c>process_pending_jobs</c>' group. Here only that half (the deep scans) is on; it runs
/// at start-up and when triggered (a one-day interval, no wake-up).
/// </summary>
public sealed class DisabledJobsTests(DisabledJobsTests.Host host) : IClassFixture<DisabledJobsTests.Host>
{
    public sealed class Host : SampleHostFixture
    {
        protected override IReadOnlyDictionary<string, string?> Settings()
            => new Dictionary<string, string?>(Disabled([.. ScraperSkyWorkflows.WorkflowNames.Where(w => w != ScraperSkyWorkflows.DeepScanWorkflow)]))
            {
                ["DevTools:ApiKey"] = "test-key",
                [WorkflowSetting(ScraperSkyWorkflows.PendingJobsJob, "Schedule:Interval")] = "1.00:00:00",
                [WorkflowSetting(ScraperSkyWorkflows.DeepScanWorkflow, "WakeUp:Enabled")] = "false",
            };
    }

    [Fact]
    public async Task GetJobs_DisabledWorkflows_AreReportedDisabledWithoutRuns()
    {
        var jobs = await host.Api.GetFromJsonAsync<JsonElement>("/api/jobs");

        foreach (var jobId in new[] { "process_pending_domains", "process_pending_domain_sitemap_submissions", "process_sitemap_imports" })
        {
            var job = Job(jobs, jobId);
            job.GetProperty("state").GetString().Should().Be("Disabled", jobId);
            job.GetProperty("lastRun").ValueKind.Should().Be(JsonValueKind.Null);
            job.GetProperty("nextRun").ValueKind.Should().Be(JsonValueKind.Null);
        }

        var pendingJobs = Job(jobs, "process_pending_jobs");
        pendingJobs.GetProperty("state").GetString().Should().BeOneOf("Scheduled", "Running");
        pendingJobs.GetProperty("workflows").EnumerateArray().Select(w => w.GetProperty("enabled").GetBoolean()).Should().Equal(false, true);
        pendingJobs.GetProperty("workflows")[0].GetProperty("state").GetString().Should().Be("Disabled");
        pendingJobs.GetProperty("nextRun").GetDateTimeOffset().Should().Be(pendingJobs.GetProperty("workflows")[1].GetProperty("nextRun").GetDateTimeOffset());
    }

    [Fact]
    public async Task RunJobNow_EveryWorkflowDisabled_Returns409()
    {
        using var response = await TriggerAsync("process_pending_domains");

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await RowEndpointsTests.ErrorAsync(response)).Should().StartWith("Job 'process_pending_domains' is disabled (DOMAIN_SCHEDULER_ENABLED");
    }

    [Fact]
    public async Task RunJobNow_HalfOfPendingJobsDisabled_RunsOnlyTheEnabledHalf()
    {
        // The start-up run must have ended, or the trigger would meet it (409).
        await Eventually.UntilAsync(
            async () => Job(await host.Api.GetFromJsonAsync<JsonElement>("/api/jobs"), "process_pending_jobs").GetProperty("lastRun").ValueKind == JsonValueKind.Object,
            "the deep scans' start-up run");

        using var response = await TriggerAsync("process_pending_jobs");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var runs = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runs").EnumerateArray();
        runs.Select(r => r.GetProperty("jobId").GetString()).Should().Equal("process_pending_jobs");
    }

    [Fact]
    public async Task Health_DisabledWorkflows_AreNotOnTheScheduler()
    {
        var body = await host.Api.GetFromJsonAsync<JsonElement>("/health");

        var pipeline = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "scrapersky-pipeline");
        pipeline.GetProperty("data").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("job:process_pending_jobs", "job:process_pending_jobs.deep_scans:rescue");
        pipeline.GetProperty("description").GetString().Should().StartWith("2 job(s)", "the group's job and its enabled member's rescuer");
    }

    private static JsonElement Job(JsonElement jobs, string jobId) => jobs.EnumerateArray().Single(j => j.GetProperty("jobId").GetString() == jobId);

    private async Task<HttpResponseMessage> TriggerAsync(string jobId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/dev-tools/jobs/{jobId}/run");
        request.Headers.Add("X-Api-Key", "test-key");
        return await host.Api.SendAsync(request);
    }
}
