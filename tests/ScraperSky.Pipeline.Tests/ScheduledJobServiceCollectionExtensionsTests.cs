using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests;

/// <summary>Registering plain jobs on the shared scheduler: replace-existing and option checks (issue 3).</summary>
public sealed class ScheduledJobServiceCollectionExtensionsTests
{
    [Fact]
    public void AddScheduledJob_SameIdTwiceWithoutReplaceExisting_ThrowsNamingTheId()
    {
        var services = new ServiceCollection().AddScheduledJob("cleanup", _ => Task.FromResult(0), _ => { });

        var again = () => services.AddScheduledJob("cleanup", _ => Task.FromResult(0), _ => { });

        again.Should().Throw<InvalidOperationException>().WithMessage("A scheduled job with id 'cleanup' is already registered. Set ReplaceExisting = true to replace it*");
    }

    [Fact]
    public async Task AddScheduledJob_SameIdTwiceWithReplaceExisting_TheLaterOneRuns()
    {
        var ran = new Signals<string>();
        using var host = Build(services => services
            .AddScheduledJob("cleanup", _ => Post(ran, "first"), _ => { })
            .AddScheduledJob("cleanup", _ => Post(ran, "second"), o => o.ReplaceExisting = true));

        await host.StartAsync();

        (await ran.NextAsync()).Should().Be("second");
        host.Services.GetRequiredService<IJobScheduler>().GetJobs().Should().ContainSingle();
        await host.StopAsync();
    }

    [Fact]
    public async Task AddScheduledJobOfT_Run_JobResolvedFromTheRunsScope()
    {
        using var host = Build(services => services.AddScheduledJob<CountingJob>("count", o => o.Interval = TimeSpan.FromSeconds(30)));
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();
        var executed = new Signals<JobRunResult>();
        scheduler.JobExecuted += (_, r) => executed.Post(r);

        await host.StartAsync();
        var first = await executed.NextAsync();
        var manual = await scheduler.RunNowAsync("count");

        first.ItemsProcessed.Should().Be(1, "each run gets a new scoped instance");
        manual.ItemsProcessed.Should().Be(1);
        await host.StopAsync();
    }

    [Theory]
    [InlineData(0, 1, 0, "Scheduled job 'x': Interval must be more than zero and at most one day (was 00:00:00).")]
    [InlineData(60, 0, 0, "Scheduled job 'x': MaxInstances must be at least 1 (was 0).")]
    [InlineData(60, 1, 60, "Scheduled job 'x': StartJitter must be at least zero and less than Interval (was 00:01:00).")]
    public void AddScheduledJob_SettingOutOfRange_ThrowsNamingJobAndSetting(int intervalSeconds, int maxInstances, int jitterSeconds, string expected)
    {
        var add = () => new ServiceCollection().AddScheduledJob("x", _ => Task.FromResult(0), o =>
        {
            o.Interval = TimeSpan.FromSeconds(intervalSeconds);
            o.MaxInstances = maxInstances;
            o.StartJitter = TimeSpan.FromSeconds(jitterSeconds);
        });

        add.Should().Throw<ArgumentException>().WithMessage(expected + "*");
    }

    private static Task<int> Post(Signals<string> signals, string value)
    {
        signals.Post(value);
        return Task.FromResult(0);
    }

    private static IHost Build(Action<IServiceCollection> register)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        register(builder.Services);
        return builder.Build();
    }

    public sealed class CountingJob : IScheduledJob
    {
        private int _runs;

        public Task<int> ExecuteAsync(ScheduledJobContext context) => Task.FromResult(++_runs);
    }
}
