using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Tests.Infrastructure;
using ScraperSky.Pipeline.Tests.Lifecycle;

namespace ScraperSky.Pipeline.Tests.Diagnostics;

/// <summary>The pipeline health check: one entry with every job and service (issue 3).</summary>
public sealed class PipelineHealthCheckTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly Signals<JobRunResult> _executed = new();

    [Fact]
    public async Task CheckHealthAsync_AllWell_HealthyWithEveryJobAndServiceInData()
    {
        using var host = await StartAsync(new PipelineServiceOptions { Name = "Counter" });

        var entry = await CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Description.Should().Be("1 job(s), 1 service(s): all healthy.");
        var job = (IDictionary<string, object?>)entry.Data["job:cleanup"];
        job["state"].Should().Be("Scheduled");
        job["lastResult"].Should().Be("Succeeded");
        job["consecutiveFailures"].Should().Be(0);
        job["nextRun"].Should().Be((_time.GetUtcNow() + TimeSpan.FromMinutes(1)).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        ((IDictionary<string, object?>)entry.Data["service:Counter"])["state"].Should().Be("Running");
        await host.StopAsync();
    }

    [Fact]
    public async Task CheckHealthAsync_ServiceFaulted_Unhealthy()
    {
        using var host = await StartAsync(new PipelineServiceOptions { Name = "Counter", MaxConsecutiveFailures = 1 }, failService: true);
        var service = host.Services.GetRequiredService<PipelineServiceTests.CounterService>();
        await service.Reached(PipelineServiceState.Faulted).WaitAsync(Signals<int>.Ceiling);

        var entry = await CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().Contain("service 'Counter' has faulted (update 1 failed)");
        ((IDictionary<string, object?>)entry.Data["service:Counter"])["state"].Should().Be("Faulted");
        await host.StopAsync();
    }

    [Fact]
    public async Task CheckHealthAsync_JobPaused_Degraded()
    {
        using var host = await StartAsync(new PipelineServiceOptions { Name = "Counter" });
        host.Services.GetRequiredService<IJobScheduler>().Pause("cleanup");

        var entry = await CheckAsync(host);

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Description.Should().Contain("job 'cleanup' is paused");
        await host.StopAsync();
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host)
        => (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries[PipelineHealthChecksBuilderExtensions.DefaultName];

    private async Task<IHost> StartAsync(PipelineServiceOptions serviceOptions, bool failService = false)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton(serviceOptions);
        builder.Services.AddPipelineService<PipelineServiceTests.CounterService>();
        builder.Services.AddScheduledJob("cleanup", _ => Task.FromResult(1), o => o.Interval = TimeSpan.FromMinutes(1));
        builder.Services.AddHealthChecks().AddPipelineChecks();
        var host = builder.Build();
        host.Services.GetRequiredService<PipelineServiceTests.CounterService>().FailNext = failService ? int.MaxValue : 0;
        host.Services.GetRequiredService<IJobScheduler>().JobExecuted += (_, r) => _executed.Post(r);
        await host.StartAsync();
        await _executed.NextAsync();
        await host.Services.GetRequiredService<PipelineServiceTests.CounterService>().Updates.NextAsync();
        return host;
    }
}
