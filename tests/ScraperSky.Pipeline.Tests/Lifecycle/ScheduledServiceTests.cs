using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Scheduling;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Lifecycle;

/// <summary>
/// The seeds' AbstractService lifecycle (seed 004) as a job on the shared scheduler: configure once, update on the
/// job's interval, the job's failure policy, pause and resume through the scheduler, cleanup once (Public API v1, item 3).
/// </summary>
public sealed class ScheduledServiceTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Start_ConfiguresOnceBeforeTheFirstUpdate_ThenUpdatesOnEveryInterval()
    {
        using var host = Build(o => o.Interval = Interval);
        var service = host.Services.GetRequiredService<CounterService>();

        await host.StartAsync();
        (await service.Updates.NextAsync()).ConfiguredBefore.Should().Be(1);
        await WhenIdleAsync(host);
        _time.Advance(Interval);
        await service.Updates.NextAsync();

        service.Configured.Should().Be(1);
        service.Logger.Should().NotBeNull("the service gets its logger by constructor");
        await host.StopAsync();
        service.CleanedUp.Should().Be(1);
    }

    [Fact]
    public async Task Update_FailsMaxConsecutiveFailuresTimesWithStop_JobFaultsAndServiceCleansUpOnce()
    {
        using var host = Build(o =>
        {
            o.Interval = Interval;
            o.MaxConsecutiveFailures = 2;
            o.OnRepeatedFailure = RepeatedFailureAction.Stop;
        });
        var service = host.Services.GetRequiredService<CounterService>();
        service.FailNext = int.MaxValue;
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();

        await host.StartAsync();
        await service.Updates.NextAsync();
        await WhenIdleAsync(host);
        _time.Advance(Interval);
        await service.Updates.NextAsync();
        await service.Cleanups.NextAsync();

        var job = scheduler.GetJob("counter")!;
        job.State.Should().Be(ScheduledJobState.Faulted);
        job.LastResult!.Exception!.Message.Should().Be("update 2 failed");
        await host.StopAsync();
        service.CleanedUp.Should().Be(1, "a faulted service is not cleaned up again when the host stops");
    }

    [Fact]
    public async Task Update_FailsWithRetryDelay_RetriedAfterTheDelay()
    {
        using var host = Build(o =>
        {
            o.Interval = Interval;
            o.RetryDelay = TimeSpan.FromSeconds(30);
        });
        var service = host.Services.GetRequiredService<CounterService>();
        service.FailNext = 1;

        await host.StartAsync();
        await service.Updates.NextAsync();
        await WhenIdleAsync(host);
        _time.Advance(TimeSpan.FromSeconds(30));
        var retry = await service.Updates.NextAsync();

        retry.ScheduledTime.Should().Be(_time.GetUtcNow(), "the retry comes after RetryDelay, not at the next interval");
        await host.StopAsync();
    }

    [Fact]
    public async Task Pause_ThroughTheScheduler_NoScheduledUpdateUntilResume()
    {
        using var host = Build(o => o.Interval = Interval);
        var service = host.Services.GetRequiredService<CounterService>();
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();
        await host.StartAsync();
        await service.Updates.NextAsync();
        await WhenIdleAsync(host);

        scheduler.Pause("counter");
        _time.Advance(3 * Interval);
        var manual = await scheduler.RunNowAsync("counter");

        manual.Outcome.Should().Be(JobRunOutcome.Succeeded);
        (await service.Updates.NextAsync()).N.Should().Be(2);
        service.Updates.Count.Should().Be(2, "only the manual run updated while paused");
        scheduler.GetJob("counter")!.State.Should().Be(ScheduledJobState.Paused);
        scheduler.Resume("counter");
        (await service.Updates.NextAsync()).N.Should().Be(3, "the resumed job runs at the grid point that is due");
        await host.StopAsync();
    }

    [Fact]
    public async Task StopHost_UpdateInProgress_SeesStoppingTokenAndCancellationIsNotAFailure()
    {
        using var host = Build(o => o.Interval = Interval);
        var service = host.Services.GetRequiredService<CounterService>();
        service.BlockUntilStopping = true;
        await host.StartAsync();
        await service.Updates.NextAsync();

        await host.StopAsync();

        var job = host.Services.GetRequiredService<IJobScheduler>().GetJob("counter")!;
        job.LastResult!.Outcome.Should().Be(JobRunOutcome.Canceled);
        job.ConsecutiveFailures.Should().Be(0);
        service.CleanedUp.Should().Be(1);
    }

    [Fact]
    public async Task Start_ConfigureThrows_HostDoesNotStartNoUpdateRunsAndServiceCleansUp()
    {
        using var host = Build(o => o.Interval = Interval);
        var service = host.Services.GetRequiredService<CounterService>();
        service.FailConfigure = true;

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("no API key");
        service.Updates.Count.Should().Be(0);
        service.CleanedUp.Should().Be(1);
    }

    [Theory]
    [InlineData(0, 5, null, "Scheduled service 'counter': Interval must be more than zero and at most one day (was 00:00:00).*")]
    [InlineData(60, 0, null, "Scheduled service 'counter': MaxConsecutiveFailures must be at least 1 (was 0).*")]
    [InlineData(60, 5, -1, "Scheduled service 'counter': RetryDelay must be null, or more than zero and at most one day (was -00:00:01).*")]
    public void AddScheduledService_SettingOutOfRange_ThrowsNamingServiceAndSetting(int intervalSeconds, int maxFailures, int? retrySeconds, string expected)
    {
        var add = () => new ServiceCollection().AddScheduledService<CounterService>("counter", o =>
        {
            o.Interval = TimeSpan.FromSeconds(intervalSeconds);
            o.MaxConsecutiveFailures = maxFailures;
            o.RetryDelay = retrySeconds is { } r ? TimeSpan.FromSeconds(r) : null;
        });

        add.Should().Throw<ArgumentException>().WithMessage(expected);
    }

    [Fact]
    public void AddScheduledService_SameTypeAsTwoJobs_Throws()
    {
        var services = new ServiceCollection().AddScheduledService<CounterService>("counter", _ => { });

        var again = () => services.AddScheduledService<CounterService>("other", _ => { });

        again.Should().Throw<InvalidOperationException>().WithMessage("Scheduled service 'other': CounterService already runs as job 'counter'*");
    }

    [Fact]
    public void AddScheduledService_IdOfAScheduledJob_ThrowsUnlessReplaceExisting()
    {
        var services = new ServiceCollection().AddScheduledJob("counter", _ => Task.FromResult(0), _ => { });

        var again = () => services.AddScheduledService<CounterService>("counter", _ => { });
        var replace = () => services.AddScheduledService<CounterService>("counter", o => o.ReplaceExisting = true);

        again.Should().Throw<InvalidOperationException>().WithMessage("A scheduled job with id 'counter' is already registered*");
        replace.Should().NotThrow();
    }

    /// <summary>Waits until the run in progress has ended and its result is recorded, before the clock moves on.</summary>
    private static Task WhenIdleAsync(IHost host)
        => host.Services.GetRequiredService<JobScheduler>().WhenIdle().WaitAsync(Signals<int>.Ceiling);

    private IHost Build(Action<ScheduledJobOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddScheduledService<CounterService>("counter", configure);
        return builder.Build();
    }

    /// <summary>A service that counts its calls and fails or blocks when told to; its dependencies come by constructor.</summary>
    public sealed class CounterService(ILogger<CounterService> logger, TimeProvider time) : ScheduledService
    {
        private int _updates;

        public ILogger Logger { get; } = logger;

        public Signals<(int N, int ConfiguredBefore, DateTimeOffset ScheduledTime)> Updates { get; } = new();

        public Signals<int> Cleanups { get; } = new();

        public int Configured { get; private set; }

        public int CleanedUp { get; private set; }

        public int FailNext { get; set; }

        public bool FailConfigure { get; set; }

        public bool BlockUntilStopping { get; set; }

        protected override Task ConfigureAsync(CancellationToken cancellationToken)
        {
            Configured++;
            return FailConfigure ? throw new InvalidOperationException("no API key") : Task.CompletedTask;
        }

        protected override async Task UpdateAsync(ScheduledJobContext context)
        {
            var n = Interlocked.Increment(ref _updates);
            Updates.Post((n, Configured, context.ScheduledTime));
            if (BlockUntilStopping)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, time, context.StoppingToken);
            }

            if (FailNext > 0)
            {
                FailNext--;
                throw new InvalidOperationException($"update {n} failed");
            }
        }

        protected override Task CleanupAsync(CancellationToken cancellationToken)
        {
            CleanedUp++;
            Cleanups.Post(CleanedUp);
            return Task.CompletedTask;
        }
    }
}
