using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ScraperSky.Pipeline.Scheduling;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Scheduling;

/// <summary>The shared scheduler's APScheduler semantics, driven by a fake clock (issue 3).</summary>
public sealed class JobSchedulerTests : SchedulerTestBase
{
    [Fact]
    public async Task Start_FirstRunIsDueAtOnce_NextRunOneIntervalLater()
    {
        Add("job", _ => Task.FromResult(3));

        _scheduler.Start();
        var first = await _executed.NextAsync();

        first.Should().Match<JobRunResult>(r => r.JobId == "job" && r.Outcome == JobRunOutcome.Succeeded && r.ItemsProcessed == 3 && r.ScheduledTime == _t0);
        var info = _scheduler.GetJob("job")!;
        info.NextRunTime.Should().Be(_t0 + Minute);
        info.State.Should().Be(ScheduledJobState.Scheduled);
        info.LastResult.Should().BeSameAs(first);
    }

    [Fact]
    public async Task Interval_EachIntervalPasses_RunsOnItsGrid()
    {
        Add("job", _ => Task.FromResult(0));
        _scheduler.Start();
        await _executed.NextAsync();

        for (var k = 1; k <= 3; k++)
        {
            _time.Advance(Minute);
            (await _executed.NextAsync()).ScheduledTime.Should().Be(_t0 + (k * Minute));
        }

        _scheduler.GetJob("job")!.NextRunTime.Should().Be(_t0 + (4 * Minute));
    }

    [Fact]
    public async Task MaxInstances_PreviousRunStillInProgress_DueRunIsSkippedAndReported()
    {
        var entered = new Signals<DateTimeOffset>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Add("job", async c =>
        {
            entered.Post(c.ScheduledTime);
            return await release.Task;
        });
        _scheduler.Start();
        await entered.NextAsync();

        _time.Advance(Minute);
        var skipped = await _skipped.NextAsync();

        skipped.Should().Match<JobRunResult>(r => r.Outcome == JobRunOutcome.Skipped && r.ScheduledTime == _t0 + Minute);
        _scheduler.GetJob("job")!.RunningInstances.Should().Be(1);
        entered.Count.Should().Be(1);
        release.SetResult(1);
        (await _executed.NextAsync()).ScheduledTime.Should().Be(_t0);
    }

    [Fact]
    public async Task MaxInstances_Two_SecondRunStartsWhileFirstIsRunning()
    {
        var entered = new Signals<DateTimeOffset>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Add("job", async c =>
        {
            entered.Post(c.ScheduledTime);
            return await release.Task;
        }, o => o.MaxInstances = 2);
        _scheduler.Start();
        await entered.NextAsync();

        _time.Advance(Minute);

        (await entered.NextAsync()).Should().Be(_t0 + Minute);
        _scheduler.GetJob("job")!.RunningInstances.Should().Be(2);
        _skipped.Count.Should().Be(0);
        release.SetResult(0);
        await _executed.NextAsync();
        await _executed.NextAsync();
    }

    [Fact]
    public async Task MisfireGraceTime_StalledPastGrace_RunIsMissedAndReported()
    {
        Add("job", _ => Task.FromResult(0), o => o.MisfireGraceTime = TimeSpan.FromSeconds(30));
        _scheduler.Start();
        await _executed.NextAsync();

        _time.Stall();
        _time.Advance(TimeSpan.FromSeconds(100));
        _time.Release();
        var missed = await _missed.NextAsync();

        missed.Should().Match<JobRunResult>(r => r.Outcome == JobRunOutcome.Missed && r.ScheduledTime == _t0 + Minute && r.StartTime == _t0 + TimeSpan.FromSeconds(100));
        var info = _scheduler.GetJob("job")!;
        info.RunningInstances.Should().Be(0);
        info.LastResult!.ScheduledTime.Should().Be(_t0, "the missed run never started");
        info.NextRunTime.Should().Be(_t0 + (2 * Minute));
    }

    [Fact]
    public async Task MisfireGraceTime_LateWithinGrace_RunStartsLate()
    {
        Add("job", _ => Task.FromResult(0), o => o.MisfireGraceTime = TimeSpan.FromSeconds(30));
        _scheduler.Start();
        await _executed.NextAsync();

        _time.Stall();
        _time.Advance(TimeSpan.FromSeconds(80));
        _time.Release();
        var run = await _executed.NextAsync();

        run.ScheduledTime.Should().Be(_t0 + Minute);
        run.StartTime.Should().Be(_t0 + TimeSpan.FromSeconds(80));
        _missed.Count.Should().Be(0);
    }

    [Fact]
    public async Task Coalesce_SeveralRunsFellDueDuringStall_OneRunForTheLatest()
    {
        Add("job", _ => Task.FromResult(0));
        _scheduler.Start();
        await _executed.NextAsync();

        _time.Stall();
        _time.Advance(5 * Minute);
        _time.Release();
        var run = await _executed.NextAsync();

        run.ScheduledTime.Should().Be(_t0 + (5 * Minute));
        var info = _scheduler.GetJob("job")!;
        info.RunningInstances.Should().Be(0, "no other run of that tick is pending");
        info.NextRunTime.Should().Be(_t0 + (6 * Minute));
        _executed.Count.Should().Be(2);
        _missed.Count.Should().Be(0);
    }

    [Fact]
    public async Task Coalesce_Off_EachRunThatFellDueRunsInTurn()
    {
        var concurrent = 0;
        var maxConcurrent = 0;
        Add("job", async _ =>
        {
            var now = Interlocked.Increment(ref concurrent);
            InterlockedMax(ref maxConcurrent, now);
            await Task.Yield();
            Interlocked.Decrement(ref concurrent);
            return 0;
        }, o => o.Coalesce = false);
        _scheduler.Start();
        await _executed.NextAsync();

        _time.Stall();
        _time.Advance(3 * Minute);
        _time.Release();

        var times = new[] { await _executed.NextAsync(), await _executed.NextAsync(), await _executed.NextAsync() }.Select(r => r.ScheduledTime);
        times.Should().Equal(_t0 + Minute, _t0 + (2 * Minute), _t0 + (3 * Minute));
        maxConcurrent.Should().Be(1, "catch-up runs take one instance, one after another");
    }

    [Fact]
    public async Task Coalesce_Off_RunsOlderThanGraceAreMissed_TheRestRun()
    {
        Add("job", _ => Task.FromResult(0), o =>
        {
            o.Coalesce = false;
            o.MisfireGraceTime = TimeSpan.FromSeconds(90);
        });
        _scheduler.Start();
        await _executed.NextAsync();

        _time.Stall();
        _time.Advance(TimeSpan.FromSeconds(210));
        _time.Release();

        (await _missed.NextAsync()).ScheduledTime.Should().Be(_t0 + Minute);
        (await _executed.NextAsync()).ScheduledTime.Should().Be(_t0 + (2 * Minute));
        (await _executed.NextAsync()).ScheduledTime.Should().Be(_t0 + (3 * Minute));
        _missed.Count.Should().Be(1);
    }

    [Fact]
    public async Task StartJitter_EveryRun_StartsWithinJitterAfterItsIntervalPoint()
    {
        var jitter = TimeSpan.FromSeconds(10);
        Add("job", _ => Task.FromResult(0), o => o.StartJitter = jitter);
        _scheduler.Start();
        var starts = new List<DateTimeOffset>();

        for (var k = 0; k < 20; k++)
        {
            var next = _scheduler.GetJob("job")!.NextRunTime!.Value;
            var nominal = _t0 + (k * Minute);
            next.Should().BeOnOrAfter(nominal).And.BeOnOrBefore(nominal + jitter);
            if (next > _time.GetUtcNow())
            {
                // Timers count whole milliseconds, rounded up.
                _time.Clock.SetUtcNow(next + TimeSpan.FromMilliseconds(1));
            }

            (await _executed.NextAsync()).ScheduledTime.Should().Be(next);
            starts.Add(next);
        }

        starts.Select(s => (s - _t0).Ticks % Minute.Ticks).Distinct().Should().HaveCountGreaterThan(1, "each run draws its own delay");
    }

    [Fact]
    public async Task StartJitter_InjectedRandom_DelayIsThatFractionOfJitter()
    {
        var fractions = new Queue<double>([0.0, 0.5, 0.999]);
        _scheduler.JitterFraction = () => fractions.Dequeue();
        Add("job", _ => Task.FromResult(0), o => o.StartJitter = TimeSpan.FromSeconds(10));

        _scheduler.Start();
        await _executed.NextAsync();

        _scheduler.GetJob("job")!.NextRunTime.Should().Be(_t0 + Minute + TimeSpan.FromSeconds(5));
        _time.Advance(Minute + TimeSpan.FromSeconds(5));
        await _executed.NextAsync();
        _scheduler.GetJob("job")!.NextRunTime.Should().Be(_t0 + (2 * Minute) + TimeSpan.FromSeconds(9.99));
    }

    [Fact]
    public async Task Pause_IntervalsPass_NoRunStarts_ResumeContinuesOnTheGrid()
    {
        Add("job", _ => Task.FromResult(0));
        _scheduler.Start();
        await _executed.NextAsync();

        _scheduler.Pause("job");
        _time.Advance(TimeSpan.FromSeconds(210));

        var paused = _scheduler.GetJob("job")!;
        paused.State.Should().Be(ScheduledJobState.Paused);
        paused.NextRunTime.Should().BeNull();
        paused.RunningInstances.Should().Be(0);
        paused.LastResult!.ScheduledTime.Should().Be(_t0);

        _scheduler.Resume("job");
        _scheduler.GetJob("job")!.NextRunTime.Should().Be(_t0 + (4 * Minute));
        _time.Advance(TimeSpan.FromSeconds(30));
        (await _executed.NextAsync()).ScheduledTime.Should().Be(_t0 + (4 * Minute));
        _executed.Count.Should().Be(2);
    }

    [Fact]
    public async Task RunNowAsync_Job_ReturnsTheResultOfThatRun()
    {
        var items = 0;
        Add("job", _ => Task.FromResult(Interlocked.Increment(ref items) * 10));
        _scheduler.Start();
        await _executed.NextAsync();
        _time.Advance(TimeSpan.FromSeconds(7));

        var result = await _scheduler.RunNowAsync("job");

        result.Should().Match<JobRunResult>(r => r.Outcome == JobRunOutcome.Succeeded && r.ItemsProcessed == 20 && r.ScheduledTime == _t0 + TimeSpan.FromSeconds(7));
        _scheduler.GetJob("job")!.NextRunTime.Should().Be(_t0 + Minute, "a manual run leaves the schedule alone");
    }

    [Fact]
    public async Task RunNowAsync_AtMaxInstances_ReturnsSkippedWithoutWaiting()
    {
        var entered = new Signals<bool>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Add("job", async _ =>
        {
            entered.Post(true);
            return await release.Task;
        });
        _scheduler.Start();
        await entered.NextAsync();

        var result = await _scheduler.RunNowAsync("job");

        result.Outcome.Should().Be(JobRunOutcome.Skipped);
        (await _skipped.NextAsync()).Should().BeSameAs(result);
        release.SetResult(0);
        await _executed.NextAsync();
    }

    [Fact]
    public async Task RunNowAsync_PausedJob_StillRuns()
    {
        Add("job", _ => Task.FromResult(1));
        _scheduler.Start();
        await _executed.NextAsync();
        _scheduler.Pause("job");

        var result = await _scheduler.RunNowAsync("job");

        result.Outcome.Should().Be(JobRunOutcome.Succeeded);
        _scheduler.GetJob("job")!.State.Should().Be(ScheduledJobState.Paused);
    }

    [Fact]
    public async Task RunNowAsync_UnknownJob_ThrowsNamingTheJobs()
    {
        Add("job", _ => Task.FromResult(0));
        _scheduler.Start();

        var run = () => _scheduler.RunNowAsync("nope");

        (await run.Should().ThrowAsync<ArgumentException>()).WithMessage("No job with id 'nope' is scheduled. Scheduled: 'job'.*");
    }

    [Fact]
    public async Task RunNowAsync_SchedulerNotStarted_ThrowsInvalidOperation()
    {
        Add("job", _ => Task.FromResult(0));

        var run = () => _scheduler.RunNowAsync("job");

        (await run.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*not running*");
    }

    [Fact]
    public async Task JobFailed_RunThrows_ReportsExceptionAndCountsFailures()
    {
        Add("job", _ => throw new InvalidOperationException("database is down"));
        _scheduler.Start();

        var failed = await _failed.NextAsync();

        failed.Exception.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Be("database is down");
        var info = _scheduler.GetJob("job")!;
        info.ConsecutiveFailures.Should().Be(1);
        info.State.Should().Be(ScheduledJobState.Scheduled, "one failure is below MaxConsecutiveFailures");
    }

    [Fact]
    public async Task MaxConsecutiveFailures_Reached_BacksOffWithGrowingDelay_ThenRecovers()
    {
        var fail = true;
        Add("job", _ => Volatile.Read(ref fail) ? throw new TimeoutException("down") : Task.FromResult(5), o =>
        {
            o.MaxConsecutiveFailures = 2;
            o.FailureBackoff = TimeSpan.FromMinutes(3);
        });
        _scheduler.Start();
        await _failed.NextAsync();
        _time.Advance(Minute);
        await _failed.NextAsync();

        var backingOff = _scheduler.GetJob("job")!;
        backingOff.State.Should().Be(ScheduledJobState.BackingOff);
        backingOff.NextRunTime.Should().Be(_t0 + Minute + (2 * Minute), "the delay doubles from the interval");

        _time.Advance(2 * Minute);
        await _failed.NextAsync();
        _scheduler.GetJob("job")!.NextRunTime.Should().Be(_t0 + (3 * Minute) + (3 * Minute), "the delay is capped by FailureBackoff");

        Volatile.Write(ref fail, false);
        _time.Advance(3 * Minute);
        (await _executed.NextAsync()).ItemsProcessed.Should().Be(5);

        var recovered = _scheduler.GetJob("job")!;
        recovered.State.Should().Be(ScheduledJobState.Scheduled);
        recovered.ConsecutiveFailures.Should().Be(0);
        recovered.NextRunTime.Should().Be(_t0 + (7 * Minute), "back to the normal interval");
    }

    [Fact]
    public async Task Events_HandlerThrows_SchedulerGoesOn()
    {
        _scheduler.JobExecuted += (_, _) => throw new InvalidOperationException("subscriber bug");
        Add("job", _ => Task.FromResult(0));
        _scheduler.Start();
        await _executed.NextAsync();

        _time.Advance(Minute);

        (await _executed.NextAsync()).ScheduledTime.Should().Be(_t0 + Minute);
    }

    [Fact]
    public void Add_IdAlreadyScheduled_ThrowsNamingBothJobs()
    {
        Add("job", _ => Task.FromResult(0));

        var add = () => Add("job", _ => Task.FromResult(0));

        add.Should().Throw<InvalidOperationException>().WithMessage("Job id 'job' of test job 'job' is already used by test job 'job'*");
    }

    [Fact]
    public async Task StopAsync_RunInProgress_StoppingTokenSignalledAndRunAllowedToFinish()
    {
        var entered = new Signals<bool>();
        var sawStopping = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Add("job", async c =>
        {
            entered.Post(true);
            await Task.Delay(Timeout.InfiniteTimeSpan, c.StoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            sawStopping.SetResult(c.CancellationToken.IsCancellationRequested);
            await finish.Task;
            return 4;
        });
        _scheduler.Start();
        await entered.NextAsync();

        var stop = _scheduler.StopAsync(CancellationToken.None);
        (await sawStopping.Task.WaitAsync(Signals<bool>.Ceiling)).Should().BeFalse("the abort token is only for the shutdown timeout");
        stop.IsCompleted.Should().BeFalse("the scheduler waits for the run in progress");
        finish.SetResult();
        await stop.WaitAsync(Signals<bool>.Ceiling);

        (await _executed.NextAsync()).ItemsProcessed.Should().Be(4);
        _scheduler.GetJob("job")!.State.Should().Be(ScheduledJobState.Stopped);
    }

    [Fact]
    public async Task StopAsync_ShutdownTimeoutPasses_AbortTokenSignalled_CancellationIsNotAFailure()
    {
        var entered = new Signals<bool>();
        Add("job", async c =>
        {
            entered.Post(true);
            await Task.Delay(Timeout.InfiniteTimeSpan, c.CancellationToken);
            return 0;
        });
        _scheduler.Start();
        await entered.NextAsync();
        using var timeout = new CancellationTokenSource();

        var stop = _scheduler.StopAsync(timeout.Token);
        await _scheduler.StopRequested.WaitAsync(Signals<bool>.Ceiling);
        await timeout.CancelAsync();
        await stop.WaitAsync(Signals<bool>.Ceiling);

        await _scheduler.WhenIdle().WaitAsync(Signals<bool>.Ceiling);

        _scheduler.GetJob("job")!.LastResult!.Outcome.Should().Be(JobRunOutcome.Canceled);
        _scheduler.GetJob("job")!.ConsecutiveFailures.Should().Be(0);
        _failed.Count.Should().Be(0);
    }

    [Fact]
    public async Task StopAsync_BeforeStartAndTwice_DoesNothing()
    {
        Add("job", _ => Task.FromResult(0));
        await _scheduler.StopAsync(CancellationToken.None);
        await _scheduler.StopAsync(CancellationToken.None);

        var start = () => _scheduler.Start();

        start.Should().Throw<InvalidOperationException>().WithMessage("*cannot start*Stopped*");
        _executed.Count.Should().Be(0);
    }

    [Fact]
    public async Task Wake_BetweenIntervals_RunsAtOnceWithoutMovingTheGrid()
    {
        Add("job", _ => Task.FromResult(1));
        _scheduler.Start();
        await _executed.NextAsync();
        _time.Advance(TimeSpan.FromSeconds(10));

        _scheduler.Wake("job", TimeSpan.Zero);
        var woken = await _executed.NextAsync();

        woken.ScheduledTime.Should().Be(_t0 + TimeSpan.FromSeconds(10));
        _scheduler.GetJob("job")!.NextRunTime.Should().Be(_t0 + Minute, "the safety poll keeps its rhythm");
        _time.Advance(TimeSpan.FromSeconds(50));
        (await _executed.NextAsync()).ScheduledTime.Should().Be(_t0 + Minute);
    }

    [Fact]
    public async Task Wake_WhileRunningAtMaxInstances_OneMoreRunWhenTheRunEnds()
    {
        var entered = new Signals<DateTimeOffset>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Add("job", async c =>
        {
            entered.Post(c.ScheduledTime);
            return entered.Count == 1 ? await release.Task : 0;
        });
        _scheduler.Start();
        await entered.NextAsync();

        _scheduler.Wake("job", TimeSpan.Zero);
        _scheduler.Wake("job", TimeSpan.Zero);
        _scheduler.Wake("job", TimeSpan.Zero);
        release.SetResult(0);
        await _executed.NextAsync();
        await entered.NextAsync();
        await _executed.NextAsync();

        entered.Count.Should().Be(2, "three wakes during a run make one more run");
        _skipped.Count.Should().Be(0);
    }

    [Fact]
    public async Task Wake_SoonAfterARunStarted_WaitsForTheSpacing()
    {
        Add("job", _ => Task.FromResult(0));
        _scheduler.Start();
        await _executed.NextAsync();

        _scheduler.Wake("job", TimeSpan.FromMilliseconds(25));
        _executed.Count.Should().Be(1, "the spacing has not passed on the clock");
        _time.Advance(TimeSpan.FromMilliseconds(25));
        var woken = await _executed.NextAsync();

        woken.ScheduledTime.Should().Be(_t0 + TimeSpan.FromMilliseconds(25));
    }

    [Fact]
    public async Task Wake_PausedJob_IsIgnored()
    {
        Add("job", _ => Task.FromResult(0));
        _scheduler.Start();
        await _executed.NextAsync();
        _scheduler.Pause("job");

        _scheduler.Wake("job", TimeSpan.Zero);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _scheduler.WhenIdle();

        _executed.Count.Should().Be(1);
    }

    [Fact]
    public async Task Runs_AreCountedOnTheMeterByJobAndOutcome()
    {
        var jobId = "metered-" + Guid.NewGuid().ToString("N")[..8];
        var counted = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PipelineDiagnostics.MeterName && instrument.Name.StartsWith("scrapersky.pipeline.scheduler.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            var tagList = tags.ToArray();
            if (tagList.Any(t => t.Key == PipelineDiagnostics.JobIdTag && (string?)t.Value == jobId))
            {
                counted.Enqueue(instrument.Name + ":" + (tagList.FirstOrDefault(t => t.Key == PipelineDiagnostics.OutcomeTag).Value ?? "-"));
            }
        });
        listener.Start();
        var calls = 0;
        Add(jobId, _ => Interlocked.Increment(ref calls) == 1 ? Task.FromResult(0) : throw new InvalidOperationException("second run fails"));
        _scheduler.Start();
        await _executed.NextAsync();

        _time.Advance(Minute);
        await _failed.NextAsync();

        counted.Should().Equal("scrapersky.pipeline.scheduler.runs:succeeded", "scrapersky.pipeline.scheduler.runs:failed");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
