using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Scheduling;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Scheduling;

/// <summary>
/// Cron schedules on the shared scheduler, driven by a fake clock: first run at the next occurrence, time zones,
/// misfire and coalescing, back-off along the occurrences, and the daylight-saving-time gap and overlap.
/// </summary>
public sealed class CronScheduleTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 5, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private readonly Signals<JobRunResult> _executed = new();
    private readonly Signals<JobRunResult> _failed = new();
    private readonly Signals<JobRunResult> _missed = new();
    private readonly List<JobScheduler> _schedulers = [];

    public void Dispose()
    {
        _schedulers.ForEach(s => s.Dispose());
        _services.Dispose();
    }

    [Fact]
    public async Task Start_Cron_FirstRunAtTheNextOccurrenceNotAtOnce()
    {
        var time = new StallingTimeProvider();
        var scheduler = Scheduler(time);
        Add(scheduler, "job", _ => Task.FromResult(1), o => o.Cron = "30 12 * * *");

        scheduler.Start();
        scheduler.GetJob("job")!.NextRunTime.Should().Be(T0.AddMinutes(30));
        time.Advance(TimeSpan.FromMinutes(29));
        scheduler.GetJob("job")!.Should().Match<ScheduledJobInfo>(j => j.RunningInstances == 0 && j.LastResult == null, "12:29 is not an occurrence");

        time.Advance(TimeSpan.FromMinutes(1));
        (await _executed.NextAsync()).ScheduledTime.Should().Be(T0.AddMinutes(30));
        scheduler.GetJob("job")!.NextRunTime.Should().Be(T0.AddDays(1).AddMinutes(30));
    }

    [Fact]
    public void GetJob_CronInATimeZone_ShowsExpressionZoneAndNextRunInThatZone()
    {
        var scheduler = Scheduler(new StallingTimeProvider());
        Add(scheduler, "job", _ => Task.FromResult(0), o =>
        {
            o.Cron = "0 9 * * *";
            o.TimeZone = "Europe/Berlin";
        });

        scheduler.Start();

        // 12:00 UTC is 14:00 in Berlin (CEST, UTC+2): the next 09:00 there is 07:00 UTC tomorrow.
        scheduler.GetJob("job")!.Should().Match<ScheduledJobInfo>(j =>
            j.Cron == "0 9 * * *" && j.TimeZone == "Europe/Berlin" && j.NextRunTime == new DateTimeOffset(2025, 5, 5, 7, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void GetJob_IntervalJob_HasNoCron()
    {
        var scheduler = Scheduler(new StallingTimeProvider());
        Add(scheduler, "job", _ => Task.FromResult(0), o => o.Interval = TimeSpan.FromMinutes(1));

        scheduler.GetJob("job")!.Should().Match<ScheduledJobInfo>(j => j.Cron == null && j.TimeZone == null);
    }

    [Fact]
    public async Task Coalesce_StallOverSeveralOccurrences_OneRunAtTheLatest()
    {
        var time = new StallingTimeProvider();
        var scheduler = Scheduler(time);
        Add(scheduler, "job", _ => Task.FromResult(0), o => o.Cron = "*/5 * * * *");
        scheduler.Start();
        (await _executed.NextAsync()).ScheduledTime.Should().Be(T0, "12:00 is an occurrence");

        time.Stall();
        time.Advance(TimeSpan.FromMinutes(17));
        time.Release();

        (await _executed.NextAsync()).ScheduledTime.Should().Be(T0.AddMinutes(15));
        await scheduler.WhenIdle();
        _executed.Count.Should().Be(2, "12:05, 12:10 and 12:15 became one run");
        scheduler.GetJob("job")!.NextRunTime.Should().Be(T0.AddMinutes(20));
    }

    [Fact]
    public async Task NoCoalesce_StallOverSeveralOccurrences_EachRunsInOrderAndOldOnesAreMissed()
    {
        var time = new StallingTimeProvider();
        var scheduler = Scheduler(time);
        Add(scheduler, "job", _ => Task.FromResult(0), o =>
        {
            o.Cron = "*/5 * * * *";
            o.Coalesce = false;
            o.MisfireGraceTime = TimeSpan.FromMinutes(6);
        });
        scheduler.Start();
        await _executed.NextAsync();

        time.Stall();
        time.Advance(TimeSpan.FromMinutes(16));
        time.Release();

        (await _missed.NextAsync()).ScheduledTime.Should().Be(T0.AddMinutes(5), "10 minutes late is past the 6-minute grace");
        (await _executed.NextAsync()).ScheduledTime.Should().Be(T0.AddMinutes(10));
        (await _executed.NextAsync()).ScheduledTime.Should().Be(T0.AddMinutes(15));
    }

    [Fact]
    public async Task BackOff_EveryMinuteCronFailing_DelayDoublesAlongOccurrencesUpToFailureBackoff()
    {
        var time = new StallingTimeProvider();
        var scheduler = Scheduler(time);
        Add(scheduler, "job", _ => throw new InvalidOperationException("down"), o =>
        {
            o.Cron = "* * * * *";
            o.MaxConsecutiveFailures = 1;
        });
        scheduler.Start();

        var expected = new[] { 2, 6, 11, 16 };
        var at = T0;
        foreach (var minutes in expected)
        {
            await _failed.NextAsync();
            await scheduler.WhenIdle();
            var next = scheduler.GetJob("job")!.NextRunTime!.Value;
            next.Should().Be(T0.AddMinutes(minutes), "2, 4, then the 5-minute FailureBackoff cap");
            time.Advance(next - at);
            at = next;
        }
    }

    [Fact]
    public async Task BackOff_DailyCronFailing_WaitsForTheNextOccurrenceNotFailureBackoff()
    {
        var time = new StallingTimeProvider();
        var scheduler = Scheduler(time);
        Add(scheduler, "job", _ => throw new InvalidOperationException("down"), o =>
        {
            o.Cron = "0 12 * * *";
            o.MaxConsecutiveFailures = 1;
        });
        scheduler.Start();
        await _failed.NextAsync();
        await scheduler.WhenIdle();

        scheduler.GetJob("job")!.Should().Match<ScheduledJobInfo>(j => j.State == ScheduledJobState.BackingOff && j.NextRunTime == T0.AddDays(1));
    }

    [Fact]
    public async Task Recovery_SuccessAfterBackOff_BackOnTheNextOccurrence()
    {
        var time = new StallingTimeProvider();
        var scheduler = Scheduler(time);
        var calls = 0;
        Add(scheduler, "job", _ => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("down") : Task.FromResult(0), o =>
        {
            o.Cron = "*/10 * * * *";
            o.MaxConsecutiveFailures = 1;
        });
        scheduler.Start();
        await _failed.NextAsync();
        await scheduler.WhenIdle();
        scheduler.GetJob("job")!.Should().Match<ScheduledJobInfo>(
            j => j.State == ScheduledJobState.BackingOff && j.NextRunTime == T0.AddMinutes(10),
            "the back-off never exceeds the larger of FailureBackoff and the 10 minutes to the next occurrence");

        time.Advance(TimeSpan.FromMinutes(10));
        await _executed.NextAsync();
        await scheduler.WhenIdle();

        scheduler.GetJob("job")!.Should().Match<ScheduledJobInfo>(j => j.State == ScheduledJobState.Scheduled && j.ConsecutiveFailures == 0 && j.NextRunTime == T0.AddMinutes(20));
    }

    [Fact]
    public async Task Dst_SpringForwardGap_SkippedTimeRunsAtTheEndOfTheGapOnce()
    {
        // Berlin, 2025-03-30: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day.
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 29, 12, 0, 0, TimeSpan.Zero));
        var scheduler = Scheduler(time);
        Add(scheduler, "job", _ => Task.FromResult(0), o =>
        {
            o.Cron = "30 2 * * *";
            o.TimeZone = "Europe/Berlin";
        });
        scheduler.Start();
        var gapEnd = new DateTimeOffset(2025, 3, 30, 1, 0, 0, TimeSpan.Zero);
        scheduler.GetJob("job")!.NextRunTime.Should().Be(gapEnd, "03:00 CEST, the first instant after the gap");

        time.Advance(gapEnd - time.GetUtcNow());
        (await _executed.NextAsync()).ScheduledTime.Should().Be(gapEnd);

        scheduler.GetJob("job")!.NextRunTime.Should().Be(new DateTimeOffset(2025, 3, 31, 0, 30, 0, TimeSpan.Zero), "02:30 CEST the next day");
    }

    [Fact]
    public async Task Dst_FallBackOverlap_FixedTimeRunsOnceAtItsFirstOccurrence()
    {
        // Berlin, 2025-10-26: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice (00:30 and 01:30 UTC).
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 10, 25, 12, 0, 0, TimeSpan.Zero));
        var scheduler = Scheduler(time);
        Add(scheduler, "job", _ => Task.FromResult(0), o =>
        {
            o.Cron = "30 2 * * *";
            o.TimeZone = "Europe/Berlin";
        });
        scheduler.Start();
        var first = new DateTimeOffset(2025, 10, 26, 0, 30, 0, TimeSpan.Zero);
        scheduler.GetJob("job")!.NextRunTime.Should().Be(first);

        time.Advance(first - time.GetUtcNow());
        (await _executed.NextAsync()).ScheduledTime.Should().Be(first);

        scheduler.GetJob("job")!.NextRunTime.Should().Be(new DateTimeOffset(2025, 10, 27, 1, 30, 0, TimeSpan.Zero), "not 01:30 UTC the same night: 02:30 runs once");
    }

    [Fact]
    public void Dst_FallBackOverlap_ExpressionRepeatingWithinTheHourRunsInBoth()
    {
        var grid = CronGrid.Parse("*/30 * * * *", "Europe/Berlin");
        var from = new DateTimeOffset(2025, 10, 26, 0, 0, 0, TimeSpan.Zero);

        var occurrences = grid.Through(from, from.AddHours(2)).ToList();

        occurrences.Should().Equal(
            from,
            from.AddMinutes(30),
            from.AddMinutes(60),
            from.AddMinutes(90),
            from.AddMinutes(120));
    }

    [Fact]
    public void Dst_SpringForwardGap_ExpressionRepeatingWithinTheHourSkipsTheMissingTimesAndRunsAtTheGapsEnd()
    {
        var grid = CronGrid.Parse("*/30 * * * *", "Europe/Berlin");
        var from = new DateTimeOffset(2025, 3, 30, 0, 0, 0, TimeSpan.Zero); // 01:00 CET

        var occurrences = grid.Through(from, from.AddHours(2)).ToList();

        // 01:00 and 01:30 CET, then 03:00 CEST (01:00 UTC): 02:00 and 02:30 do not exist that night.
        occurrences.Should().Equal(from, from.AddMinutes(30), from.AddMinutes(60), from.AddMinutes(90), from.AddMinutes(120));
    }

    [Fact]
    public void RunKey_OncePerClusterCronRunMovedByJitterOrARetry_IsItsOccurrence()
    {
        var grid = CronGrid.Parse("*/10 * * * * *", null);
        var occurrence = new DateTimeOffset(2025, 5, 4, 12, 0, 20, TimeSpan.Zero);

        grid.RunKey(occurrence).Should().Be(occurrence);
        grid.RunKey(occurrence.AddSeconds(3.5)).Should().Be(occurrence, "every host keys the run by the occurrence, whatever its jitter");
        grid.RunKey(occurrence.AddSeconds(10)).Should().Be(occurrence.AddSeconds(10));
    }

    [Theory]
    [InlineData("0 3 * * *", null, null)]
    [InlineData("*/30 * * * * *", null, null)]
    [InlineData("@daily", "W. Europe Standard Time", null)]
    [InlineData("0 3 * *", null, "Cron has 4 fields; a cron expression has 5 (minute hour day-of-month month day-of-week), or 6 with seconds first (was 0 3 * *).")]
    [InlineData("61 3 * * *", null, "Cron is not a valid cron expression*(was 61 3 * * *).")]
    [InlineData("0 0 30 2 *", null, "Cron never occurs again (was 0 0 30 2 *).")]
    [InlineData("0 3 * * *", "Mars/Olympus_Mons", "TimeZone is not a time zone this machine knows*(was Mars/Olympus_Mons).")]
    public void AddScheduledJob_CronAndTimeZone_AcceptedOrRejectedNamingTheSetting(string cron, string? zone, string? problem)
    {
        var add = () => new ServiceCollection().AddScheduledJob("job", _ => Task.FromResult(0), o =>
        {
            o.Cron = cron;
            o.TimeZone = zone;
        });

        if (problem is null)
        {
            add.Should().NotThrow();
        }
        else
        {
            add.Should().Throw<ArgumentException>().WithMessage($"Scheduled job 'job': {problem}*");
        }
    }

    [Fact]
    public void AddScheduledJob_CronAndIntervalBothSet_FailsNamingBoth()
    {
        var add = () => new ServiceCollection().AddScheduledJob("job", _ => Task.FromResult(0), o =>
        {
            o.Interval = TimeSpan.FromMinutes(2);
            o.Cron = "0 3 * * *";
        });

        add.Should().Throw<ArgumentException>().WithMessage("Scheduled job 'job': Cron and Interval are both set; a job runs on one of them: set Cron or Interval, not both*");
    }

    [Fact]
    public void AddScheduledJob_CronWithIntervalLeftAtItsDefault_CronWins()
    {
        var options = new ScheduledJobOptions { Interval = ScheduledJobOptions.DefaultInterval, Cron = "0 3 * * *" };

        ScheduleRules.Check(JobSchedule.From(options)).Should().BeEmpty("writing the default back, as the configuration binder does, is not setting it");
    }

    [Fact]
    public void AddScheduledJob_TimeZoneWithoutCron_Fails()
    {
        var add = () => new ServiceCollection().AddScheduledJob("job", _ => Task.FromResult(0), o => o.TimeZone = "Europe/Berlin");

        add.Should().Throw<ArgumentException>().WithMessage("Scheduled job 'job': TimeZone is only used with Cron*");
    }

    [Fact]
    public void AddScheduledJob_JitterReachingTheNextOccurrence_Fails()
    {
        var add = () => new ServiceCollection().AddScheduledJob("job", _ => Task.FromResult(0), o =>
        {
            o.Cron = "*/5 * * * *";
            o.StartJitter = TimeSpan.FromMinutes(5);
        });

        add.Should().Throw<ArgumentException>().WithMessage("Scheduled job 'job': StartJitter must be at least zero and less than the shortest time between two runs of Cron (00:05:00)*");
    }

    private JobScheduler Scheduler(TimeProvider time)
    {
        var scheduler = new JobScheduler(time, _services.GetRequiredService<IServiceScopeFactory>(), NullLogger<JobScheduler>.Instance);
        scheduler.JobExecuted += (_, r) => _executed.Post(r);
        scheduler.JobFailed += (_, r) => _failed.Post(r);
        scheduler.JobMissed += (_, r) => _missed.Post(r);
        _schedulers.Add(scheduler);
        return scheduler;
    }

    private static void Add(JobScheduler scheduler, string id, Func<ScheduledJobContext, Task<int>> body, Action<ScheduledJobOptions> configure)
    {
        var options = new ScheduledJobOptions();
        configure(options);
        var schedule = JobSchedule.From(options);
        ScheduleRules.Check(schedule).Should().BeEmpty();
        scheduler.Add(new JobDefinition(id, schedule, body, $"test job '{id}'"));
    }
}
