using System.Net;
using ScraperSky.SampleHost.Tests.Infrastructure;

namespace ScraperSky.SampleHost.Tests.Api;

/// <summary>The sample mounts the operator's dashboard at /pipeline, loopback only (its API listens on 127.0.0.1).</summary>
public sealed class DashboardTests(SampleHostFixture host) : IClassFixture<SampleHostFixture>
{
    [Fact]
    public async Task Dashboard_OnLoopback_ListsTheSampleWorkflowsAndJobs()
    {
        using var overview = await host.Api.GetAsync("/pipeline/");
        var jobs = await host.Api.GetStringAsync("/pipeline/jobs");

        overview.StatusCode.Should().Be(HttpStatusCode.OK);
        (await overview.Content.ReadAsStringAsync()).Should().Contain("<title>Overview · ScraperSky</title>")
            .And.Contain("data-workflow=\"process_pending_domains\"").And.Contain("data-workflow=\"process_pending_jobs.sitemap_files\"");
        jobs.Should().Contain("data-job=\"process_pending_jobs\"").And.Contain("data-job=\"process_pending_domains\"");
    }
}
