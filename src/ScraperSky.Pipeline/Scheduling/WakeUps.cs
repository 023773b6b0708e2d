namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// Runs off the interval grid that wake-up notifications and due retries ask for: they never move the grid, are
/// coalesced, and respect the job's maximum of instances (a wake that arrives while it is reached runs when a run
/// ends). Called under the scheduler's lock, for a job that may be woken (<see cref="CanWake"/>).
/// </summary>
internal static class WakeUps
{
    /// <summary>Whether the job takes wake-ups: not paused, backing off or faulted.</summary>
    public static bool CanWake(ScheduledJob job) => job.Schedulable && !job.BackingOff;

    /// <summary>A run as soon as may be: at once, or <paramref name="spacing"/> after the latest run started.</summary>
    public static void Wake(ScheduledJob job, TimeSpan spacing, JobClock clock)
    {
        if (job.Running >= job.Schedule.MaxInstances)
        {
            job.WakePending = true;
            return;
        }

        Schedule(job, spacing, clock.Now, clock);
    }

    /// <summary>A run at <paramref name="at"/>; nothing happens if a run is due sooner anyway.</summary>
    public static void WakeAt(ScheduledJob job, DateTimeOffset at, JobClock clock)
    {
        var now = clock.Now;
        if (at <= now)
        {
            Wake(job, TimeSpan.Zero, clock);
            return;
        }

        if (at >= job.NextRun || (job.WakeRun is { } pending && pending <= at))
        {
            return;
        }

        job.WakeRun = at;
        clock.Arm(job, now);
    }

    /// <summary>After a successful run: wakes that arrived while the job was busy make one more run, for all of them.</summary>
    public static void AfterRun(ScheduledJob job, DateTimeOffset now, JobClock clock)
    {
        if (job.WakePending && job.Running < job.Schedule.MaxInstances)
        {
            job.WakePending = false;
            Schedule(job, job.WakeSpacing, now, clock);
        }
    }

    private static void Schedule(ScheduledJob job, TimeSpan spacing, DateTimeOffset now, JobClock clock)
    {
        var at = job.LastRunStart + spacing > now ? job.LastRunStart + spacing : now;
        if (at >= job.NextRun || (job.WakeRun is { } pending && pending <= at))
        {
            return;
        }

        job.WakeRun = at;
        job.WakeSpacing = spacing;
        clock.Arm(job, now);
    }
}
