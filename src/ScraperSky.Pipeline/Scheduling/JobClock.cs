namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The jobs' timers: one one-shot timer per job from the <see cref="TimeProvider"/>, armed for the job's next run or
/// wake-up, and the placement of runs on the job's grid (<see cref="ScheduleGrid"/>: interval or cron) (start, resume) with start jitter. Every method is
/// called under the scheduler's lock; a timer calls <c>onTick</c> outside it.
/// </summary>
internal sealed class JobClock(TimeProvider time, Action<ScheduledJob> onTick)
{
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(1);

    /// <summary>The random source of start jitter: a fraction in [0, 1). Tests replace it.</summary>
    public Func<double> JitterFraction { get; set; } = Random.Shared.NextDouble;

    public DateTimeOffset Now => time.GetUtcNow();

    public TimeSpan Jitter(JobSchedule schedule) => ScheduleMath.Jitter(schedule, JitterFraction);

    public void CreateTimer(ScheduledJob job)
        => job.Timer = time.CreateTimer(static s => ((Tick)s!).Run(), new Tick(onTick, job), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Puts the job's first run at <paramref name="now"/> (cron: its next occurrence; a once-per-cluster interval job: its
    /// point of the grid every host shares, <see cref="ScheduleMath.ClusterGridStart"/>), plus jitter, and arms it unless paused.
    /// </summary>
    public DateTimeOffset Begin(ScheduledJob job, DateTimeOffset now)
    {
        job.NextNominal = job.Grid.First(now);
        job.NextRun = job.NextNominal + Jitter(job.Schedule);
        if (!job.Paused)
        {
            Arm(job, now);
        }

        return job.NextRun;
    }

    /// <summary>Puts a resumed job's next run on the next point of its own grid (plus jitter), so runs stay where they were.</summary>
    public DateTimeOffset Continue(ScheduledJob job, DateTimeOffset now)
    {
        job.NextNominal = job.Grid.Resume(job.NextNominal, now);
        job.NextRun = job.NextNominal + Jitter(job.Schedule);
        return job.NextRun;
    }

    /// <summary>Moves the job to the next grid point after a tick planned by <see cref="ScheduleMath.Plan"/>.</summary>
    public void Advance(ScheduledJob job, DateTimeOffset nextNominal)
    {
        job.NextNominal = nextNominal;
        job.NextRun = nextNominal + Jitter(job.Schedule);
    }

    /// <summary>Arms the job's timer for its next run or its wake-up, whichever is sooner.</summary>
    public void Arm(ScheduledJob job, DateTimeOffset now)
    {
        var due = job.WakeRun is { } wake && wake < job.NextRun ? wake : job.NextRun;
        var delay = due - now;
        if (delay <= TimeSpan.Zero)
        {
            // Due already: tick on the thread pool rather than through a zero-delay timer, which some time providers
            // (FakeTimeProvider) invoke synchronously, that is, inside the scheduler's lock.
            ThreadPool.QueueUserWorkItem(static tick => tick.Run(), new Tick(onTick, job), preferLocal: false);
            return;
        }

        // Whole milliseconds, rounded up: timers truncate, and one that fires before NextRun only has to re-arm.
        var milliseconds = Math.Ceiling(Math.Min(delay.TotalMilliseconds, MaxTimerDelay.TotalMilliseconds));
        job.Timer?.Change(TimeSpan.FromMilliseconds(milliseconds), Timeout.InfiniteTimeSpan);
    }

    public static void Disarm(ScheduledJob job) => job.Timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    public static void Dispose(ScheduledJob job)
    {
        job.Timer?.Dispose();
        job.Timer = null;
    }

    /// <summary>The state of a job's timer callback (one allocation per job, not per tick).</summary>
    private sealed class Tick(Action<ScheduledJob> onTick, ScheduledJob job)
    {
        public void Run() => onTick(job);
    }
}
