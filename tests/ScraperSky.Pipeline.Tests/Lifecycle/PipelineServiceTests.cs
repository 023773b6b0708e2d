using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Lifecycle;

/// <summary>The service lifecycle of seed 004 (AbstractService) and the BackgroundService contract (issue 3).</summary>
public sealed class PipelineServiceTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task StartAsync_ConfiguresOnceThenUpdatesAtOnceAndOnEveryInterval()
    {
        using var service = Create();

        await service.StartAsync(CancellationToken.None);
        await service.Updates.NextAsync();
        (await service.Waits.NextAsync()).Should().Be(Interval);
        _time.Advance(Interval);
        await service.Updates.NextAsync();

        service.Configured.Should().Be(1);
        service.State.Should().Be(PipelineServiceState.Running);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task UpdateAsync_Fails_RetriesAfterRetryDelay_AndSuccessResetsTheCount()
    {
        using var service = Create();
        service.FailNext = 1;
        await service.StartAsync(CancellationToken.None);
        await service.Updates.NextAsync();

        (await service.Waits.NextAsync()).Should().Be(RetryDelay);
        service.ConsecutiveFailures.Should().Be(1);
        service.LastError!.Message.Should().Be("update 1 failed");
        _time.Advance(RetryDelay);
        await service.Updates.NextAsync();
        (await service.Waits.NextAsync()).Should().Be(Interval);

        service.ConsecutiveFailures.Should().Be(0);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task UpdateAsync_FailsMaxConsecutiveFailuresTimes_ServiceFaultsAndCleansUpOnce()
    {
        using var service = Create(maxFailures: 3);
        service.FailNext = int.MaxValue;
        await service.StartAsync(CancellationToken.None);

        for (var i = 1; i < 3; i++)
        {
            await service.Updates.NextAsync();
            await service.Waits.NextAsync();
            _time.Advance(RetryDelay);
        }

        await service.Updates.NextAsync();
        await service.Reached(PipelineServiceState.Faulted).WaitAsync(Signals<int>.Ceiling);

        service.ConsecutiveFailures.Should().Be(3);
        service.LastError!.Message.Should().Be("update 3 failed");
        service.CleanedUp.Should().Be(1);
        await service.StopAsync(CancellationToken.None);
        service.State.Should().Be(PipelineServiceState.Faulted, "stopping a faulted service does nothing");
        service.CleanedUp.Should().Be(1);
    }

    [Fact]
    public async Task Pause_NoUpdateStartsUntilResume()
    {
        using var service = Create();
        await service.StartAsync(CancellationToken.None);
        await service.Updates.NextAsync();
        await service.Waits.NextAsync();

        service.Pause();
        _time.Advance(Interval);
        (await service.Waits.NextAsync()).Should().Be(Timeout.InfiniteTimeSpan, "the loop parks until resumed");
        service.Updates.Count.Should().Be(1);
        service.State.Should().Be(PipelineServiceState.Paused);

        service.Resume();
        await service.Updates.NextAsync();
        service.State.Should().Be(PipelineServiceState.Running);
        await service.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("pause", "cannot pause: it is Created, and Created -> Paused is not a valid transition (from Created it can only go to Starting)")]
    [InlineData("resume", "cannot resume: it is Created, and Created -> Running is not a valid transition (from Created it can only go to Starting)")]
    public void PauseOrResume_BeforeStart_ThrowsNamingServiceStateAndTransition(string action, string expected)
    {
        using var service = Create();

        var act = action == "pause" ? (Action)service.Pause : service.Resume;

        act.Should().Throw<InvalidOperationException>().WithMessage($"Pipeline service 'Counter' {expected}.");
    }

    [Fact]
    public async Task StartAsync_Twice_ThrowsNamingTheTransition()
    {
        using var service = Create();
        await service.StartAsync(CancellationToken.None);

        var again = () => service.StartAsync(CancellationToken.None);

        (await again.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("Pipeline service 'Counter' cannot start: it is Running, and Running -> Starting is not a valid transition*");
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Pause_AfterStop_ThrowsStoppedIsFinal()
    {
        using var service = Create();
        await service.StartAsync(CancellationToken.None);
        await service.StopAsync(CancellationToken.None);

        var pause = service.Pause;

        pause.Should().Throw<InvalidOperationException>().WithMessage("*cannot pause: it is Stopped, and Stopped -> Paused is not a valid transition (Stopped is final).");
    }

    [Fact]
    public async Task StopAsync_BeforeStart_DoesNothing()
    {
        using var service = Create();

        await service.StopAsync(CancellationToken.None);

        service.State.Should().Be(PipelineServiceState.Created);
        service.CleanedUp.Should().Be(0);
    }

    [Fact]
    public async Task StopAsync_Twice_StopsOnceAndCleansUpOnce()
    {
        using var service = Create();
        await service.StartAsync(CancellationToken.None);
        await service.Updates.NextAsync();

        await service.StopAsync(CancellationToken.None);
        await service.StopAsync(CancellationToken.None);

        service.State.Should().Be(PipelineServiceState.Stopped);
        service.CleanedUp.Should().Be(1);
    }

    [Fact]
    public async Task StopAsync_UpdateInProgressCancelled_IsNotAFailure()
    {
        using var service = Create();
        service.BlockUntilCancelled = true;
        await service.StartAsync(CancellationToken.None);
        await service.Updates.NextAsync();

        await service.StopAsync(CancellationToken.None);

        service.State.Should().Be(PipelineServiceState.Stopped);
        service.ConsecutiveFailures.Should().Be(0);
        service.LastError.Should().BeNull();
    }

    [Fact]
    public async Task StartAsync_ConfigureThrows_FailsTheStartAndFaults()
    {
        using var service = Create();
        service.FailConfigure = true;

        var start = () => service.StartAsync(CancellationToken.None);

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("no API key");
        service.State.Should().Be(PipelineServiceState.Faulted);
        service.CleanedUp.Should().Be(1);
    }

    [Theory]
    [InlineData(0, 5, 30, "Pipeline service 'Counter': Interval must be more than zero and at most one day (was 00:00:00).*")]
    [InlineData(60, 0, 30, "Pipeline service 'Counter': MaxConsecutiveFailures must be at least 1 (was 0).*")]
    [InlineData(60, 5, -1, "Pipeline service 'Counter': RetryDelay must be more than zero and at most one day (was -00:00:01).*")]
    public void Constructor_SettingOutOfRange_ThrowsNamingServiceAndSetting(int intervalSeconds, int maxFailures, int retrySeconds, string expected)
    {
        var create = () => new CounterService(new PipelineServiceOptions
        {
            Name = "Counter",
            Interval = TimeSpan.FromSeconds(intervalSeconds),
            MaxConsecutiveFailures = maxFailures,
            RetryDelay = TimeSpan.FromSeconds(retrySeconds),
        });

        create.Should().Throw<ArgumentException>().WithMessage(expected);
    }

    [Fact]
    public async Task AddPipelineService_RegisteredTwice_RunsOnceWithTheHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton(new PipelineServiceOptions { Name = "Counter", Interval = Interval, RetryDelay = RetryDelay });
        builder.Services.AddPipelineService<CounterService>().AddPipelineService<CounterService>();
        using var host = builder.Build();
        var service = host.Services.GetRequiredService<CounterService>();

        await host.StartAsync();
        await service.Updates.NextAsync();
        await service.Waits.NextAsync();
        _time.Advance(Interval);
        await service.Updates.NextAsync();
        await host.StopAsync();

        host.Services.GetServices<IHostedService>().OfType<CounterService>().Should().ContainSingle();
        service.Configured.Should().Be(1);
        service.State.Should().Be(PipelineServiceState.Stopped);
    }

    private CounterService Create(int maxFailures = 5)
    {
        var service = new CounterService(new PipelineServiceOptions { Name = "Counter", Interval = Interval, RetryDelay = RetryDelay, MaxConsecutiveFailures = maxFailures });
        service.Attach(_time, loggers: null);
        return service;
    }

    /// <summary>A service that counts its calls and fails or blocks when told to.</summary>
    public sealed class CounterService : PipelineService
    {
        private int _updates;

        public CounterService(PipelineServiceOptions options)
            : base(options)
            => Waiting = Waits.Post;

        public Signals<int> Updates { get; } = new();

        public Signals<TimeSpan> Waits { get; } = new();

        public int Configured { get; private set; }

        public int CleanedUp { get; private set; }

        public int FailNext { get; set; }

        public bool FailConfigure { get; set; }

        public bool BlockUntilCancelled { get; set; }

        protected override Task ConfigureAsync(CancellationToken cancellationToken)
        {
            Configured++;
            return FailConfigure ? throw new InvalidOperationException("no API key") : Task.CompletedTask;
        }

        protected override async Task UpdateAsync(CancellationToken stoppingToken)
        {
            var n = Interlocked.Increment(ref _updates);
            Updates.Post(n);
            if (BlockUntilCancelled)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken);
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
            return Task.CompletedTask;
        }
    }
}
