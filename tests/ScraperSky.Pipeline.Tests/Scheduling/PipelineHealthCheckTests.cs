using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Tests.Infrastructure;
using ScraperSky.Pipeline.Tests.Lifecycle;

namespace ScraperSky.Pipeline.Tests.Scheduling;

/// <summary>The pipeline health check: one entry with every job, scheduled services included (issue 3; Public API v1, item 3).</summary>
public sealed class PipelineHealthCheckTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly Signals<JobRunResult> _ended = new();

    [Fact]
    public async Task CheckHealthAsync_AllWell_HealthyWithEveryJobAndServiceInData()
    {
        using var host = await StartAsync(_ => { });

        var entry = await CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Description.Should().Be("2 job(s): all healthy.");
        var job = (IDictionary<string, object?>)entry.Data["job:cleanup"];
        job["state"].Should().Be("Scheduled");
        job["lastResult"].Should().Be("Succeeded");
        job["consecutiveFailures"].Should().Be(0);
        job["nextRun"].Should().Be((_time.GetUtcNow() + TimeSpan.FromMinutes(1)).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        ((IDictionary<string, object?>)entry.Data["job:counter"])["lastResult"].Should().Be("Succeeded");
        await host.StopAsync();
    }

    [Fact]
    public async Task CheckHealthAsync_ServiceStoppedAfterRepeatedFailures_Unhealthy()
    {
        using var host = await StartAsync(
            o =>
            {
                o.MaxConsecutiveFailures = 1;
                o.OnRepeatedFailure = RepeatedFailureAction.Stop;
            },
            failService: true);
        await host.Services.GetRequiredService<ScheduledServiceTests.CounterService>().Cleanups.NextAsync();

        var entry = await CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain("job 'counter' has stopped after 1 failed runs in a row (update 1 failed)");
        ((IDictionary<string, object?>)entry.Data["job:counter"])["state"].Should().Be("Faulted");
        await host.StopAsync();
    }

    [Fact]
    public async Task CheckHealthAsync_JobPaused_Degraded()
    {
        using var host = await StartAsync(_ => { });
        host.Services.GetRequiredService<IJobScheduler>().Pause("cleanup");

        var entry = await CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Description.Should().Contain("job 'cleanup' is paused");
        await host.StopAsync();
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host)
        => (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries[PipelineHealthChecksBuilderExtensions.DefaultName];

    private async Task<IHost> StartAsync(Action<ScheduledJobOptions> service, bool failService = false)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddScheduledService<ScheduledServiceTests.CounterService>("counter", service);
        builder.Services.AddScheduledJob("cleanup", _ => Task.FromResult(1), o => o.Interval = TimeSpan.FromMinutes(1));
        builder.Services.AddHealthChecks().AddPipelineHealthCheck();
        var host = builder.Build();
        host.Services.GetRequiredService<ScheduledServiceTests.CounterService>().FailNext = failService ? int.MaxValue : 0;
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();
        scheduler.JobExecuted += (_, r) => _ended.Post(r);
        scheduler.JobFailed += (_, r) => _ended.Post(r);
        await host.StartAsync();
        var first = new[] { (await _ended.NextAsync()).JobId, (await _ended.NextAsync()).JobId };
        first.Should().BeEquivalentTo("cleanup", "counter");
        return host;
    }
}
