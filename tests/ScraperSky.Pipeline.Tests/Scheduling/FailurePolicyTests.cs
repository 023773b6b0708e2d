using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ScraperSky.Pipeline.Scheduling;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Scheduling;

/// <summary>
/// The one failure policy of every job: <c>OnRepeatedFailure = Stop</c> (the seeds' AbstractService contract) and
/// <c>RetryDelay</c>, on the scheduler with a fake clock (Public API v1, item 3).
/// </summary>
public sealed class FailurePolicyTests : SchedulerTestBase
{
    private readonly Signals<string> _cleanedUp = new();

    [Fact]
    public async Task Stop_MaxConsecutiveFailuresReached_JobFaultsRunsNoMoreAndCleansUpOnce()
    {
        Add("job", _ => throw new InvalidOperationException("down"), o =>
        {
            o.MaxConsecutiveFailures = 2;
            o.OnRepeatedFailure = RepeatedFailureAction.Stop;
        });
        _scheduler.Start();
        await _failed.NextAsync();
        _scheduler.GetJob("job")!.State.Should().Be(ScheduledJobState.Scheduled, "one failure is below the limit");

        _time.Advance(Minute);
        await _failed.NextAsync();
        (await _cleanedUp.NextAsync()).Should().Be("job");

        var faulted = _scheduler.GetJob("job")!;
        faulted.State.Should().Be(ScheduledJobState.Faulted);
        faulted.ConsecutiveFailures.Should().Be(2);
        faulted.NextRunTime.Should().BeNull();
        _time.Advance(10 * Minute);
        _scheduler.Wake("job", TimeSpan.Zero);
        await _scheduler.WhenIdle();
        _failed.Count.Should().Be(2, "a faulted job starts no run, scheduled or woken");
        await _scheduler.StopAsync(CancellationToken.None);
        _cleanedUp.Count.Should().Be(1, "stopping does not clean up a second time");
    }

    [Fact]
    public async Task Stop_RunNowOnAFaultedJob_ThrowsNamingTheJob()
    {
        Add("job", _ => throw new InvalidOperationException("down"), o =>
        {
            o.MaxConsecutiveFailures = 1;
            o.OnRepeatedFailure = RepeatedFailureAction.Stop;
        });
        _scheduler.Start();
        await _failed.NextAsync();
        await _cleanedUp.NextAsync();

        var run = () => _scheduler.RunNowAsync("job");

        (await run.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("Cannot run job 'job' now: it failed 1 times in a row and has stopped (OnRepeatedFailure = Stop)*");
    }

    [Fact]
    public async Task Stop_SuccessBeforeTheLimit_ResetsTheCount()
    {
        var calls = 0;
        Add("job", _ => Interlocked.Increment(ref calls) % 2 == 1 ? throw new InvalidOperationException("flaky") : Task.FromResult(1), o =>
        {
            o.MaxConsecutiveFailures = 2;
            o.OnRepeatedFailure = RepeatedFailureAction.Stop;
        });
        _scheduler.Start();

        for (var k = 1; k <= 4; k++)
        {
            _ = k % 2 == 1 ? await _failed.NextAsync() : await _executed.NextAsync();
            _time.Advance(Minute);
        }

        await _failed.NextAsync();
        var job = _scheduler.GetJob("job")!;
        job.State.Should().NotBe(ScheduledJobState.Faulted, "the failures were never two in a row");
        job.ConsecutiveFailures.Should().Be(1);
    }

    [Fact]
    public async Task Stop_CoalesceOffCatchUp_FaultStopsTheRestOfTheSequence()
    {
        var fail = false;
        var entered = new Signals<DateTimeOffset>();
        Add("job", c =>
        {
            entered.Post(c.ScheduledTime);
            return Volatile.Read(ref fail) ? throw new InvalidOperationException("down") : Task.FromResult(0);
        }, o =>
        {
            o.Coalesce = false;
            o.MaxConsecutiveFailures = 1;
            o.OnRepeatedFailure = RepeatedFailureAction.Stop;
        });
        _scheduler.Start();
        await _executed.NextAsync();
        Volatile.Write(ref fail, true);

        _time.Stall();
        _time.Advance(3 * Minute);
        _time.Release();
        await _failed.NextAsync();
        await _cleanedUp.NextAsync();
        await _scheduler.WhenIdle();

        entered.Count.Should().Be(2, "the catch-up runs due at +2 and +3 minutes never start once the job faulted");
        _scheduler.GetJob("job")!.RunningInstances.Should().Be(0);
    }

    [Fact]
    public async Task BackOff_Default_NeverFaults()
    {
        Add("job", _ => throw new InvalidOperationException("down"), o => o.MaxConsecutiveFailures = 1);
        _scheduler.Start();
        await _failed.NextAsync();

        _scheduler.GetJob("job")!.State.Should().Be(ScheduledJobState.BackingOff);
        _time.Advance(2 * Minute);
        await _failed.NextAsync();
        _scheduler.GetJob("job")!.State.Should().Be(ScheduledJobState.BackingOff);
        _cleanedUp.Count.Should().Be(0);
    }

    [Fact]
    public async Task RetryDelay_FailureBelowTheLimit_RetriedAfterTheDelayWithoutMovingTheGrid()
    {
        var fail = true;
        Add("job", _ => Volatile.Read(ref fail) ? throw new InvalidOperationException("once") : Task.FromResult(1), o =>
        {
            o.RetryDelay = TimeSpan.FromSeconds(20);
            o.OnRepeatedFailure = RepeatedFailureAction.Stop;
        });
        _scheduler.Start();
        await _failed.NextAsync();
        _scheduler.GetJob("job")!.NextRunTime.Should().Be(_t0 + Minute, "the retry is off the grid");
        Volatile.Write(ref fail, false);

        _time.Advance(TimeSpan.FromSeconds(20));
        var retry = await _executed.NextAsync();

        retry.ScheduledTime.Should().Be(_t0 + TimeSpan.FromSeconds(20));
        _scheduler.GetJob("job")!.ConsecutiveFailures.Should().Be(0);
        _time.Advance(TimeSpan.FromSeconds(40));
        (await _executed.NextAsync()).ScheduledTime.Should().Be(_t0 + Minute);
    }

    [Fact]
    public async Task Cleanup_SchedulerStops_RunsOnceAfterTheRunInProgressEnded()
    {
        var entered = new Signals<bool>();
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Add("job", async _ =>
        {
            entered.Post(true);
            await finish.Task;
            return 0;
        });
        _scheduler.Start();
        await entered.NextAsync();

        var stop = _scheduler.StopAsync(CancellationToken.None);
        await _scheduler.StopRequested.WaitAsync(Signals<bool>.Ceiling);
        _cleanedUp.Count.Should().Be(0, "the run in progress has not ended");
        finish.SetResult();
        await stop.WaitAsync(Signals<bool>.Ceiling);

        _cleanedUp.Count.Should().Be(1);
        await _scheduler.StopAsync(CancellationToken.None);
        _cleanedUp.Count.Should().Be(1);
    }

    private void Add(string id, Func<ScheduledJobContext, Task<int>> body, Action<ScheduledJobOptions>? configure = null)
        => Add(id, body, configure, _ =>
        {
            _cleanedUp.Post(id);
            return Task.CompletedTask;
        });
}
