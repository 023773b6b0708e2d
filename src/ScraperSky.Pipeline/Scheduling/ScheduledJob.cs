namespace ScraperSky.Pipeline.Scheduling;

/// <summary>One job's mutable state on the scheduler; every field is read and written under the scheduler's lock.</summary>
internal sealed class ScheduledJob(JobDefinition definition)
{
    public JobDefinition Definition { get; } = definition;

    public string Id => Definition.Id;

    public JobSchedule Schedule => Definition.Schedule;

    /// <summary>The points the job's scheduled runs belong to: its interval grid or its cron occurrences.</summary>
    public ScheduleGrid Grid { get; } = ScheduleGrid.For(definition.Schedule);

    /// <summary>The timer that wakes the scheduler for this job; one-shot, re-armed after every tick.</summary>
    public ITimer? Timer { get; set; }

    /// <summary>The point of the job's interval grid the next run belongs to (no jitter): the schedule never drifts.</summary>
    public DateTimeOffset NextNominal { get; set; }

    /// <summary>When the next run is due: <see cref="NextNominal"/> plus jitter, or the end of a back-off.</summary>
    public DateTimeOffset NextRun { get; set; }

    /// <summary>When a run off the grid is due (a wake-up, or a retry after a failure) before <see cref="NextRun"/>, or null.</summary>
    public DateTimeOffset? WakeRun { get; set; }

    /// <summary>Whether a wake-up arrived while the job ran at its maximum of instances: run again when one ends.</summary>
    public bool WakePending { get; set; }

    /// <summary>The minimum spacing the latest wake-up asked for.</summary>
    public TimeSpan WakeSpacing { get; set; }

    /// <summary>When the job's latest run started, for the minimum spacing of wake-up runs.</summary>
    public DateTimeOffset LastRunStart { get; set; } = DateTimeOffset.MinValue;

    public bool Paused { get; set; }

    public int Running { get; set; }

    public int ConsecutiveFailures { get; set; }

    public JobRunResult? LastResult { get; set; }

    /// <summary>Whether the job stopped for good after repeated failures (<see cref="RepeatedFailureAction.Stop"/>).</summary>
    public bool Faulted { get; set; }

    /// <summary>Whether the definition's cleanup has been started (it runs once).</summary>
    public bool CleanupStarted { get; set; }

    public bool BackingOff => !Faulted
        && Schedule.OnRepeatedFailure == RepeatedFailureAction.BackOff
        && ConsecutiveFailures >= Schedule.MaxConsecutiveFailures;

    /// <summary>Whether scheduled runs, wake-ups and retries may start now (the scheduler itself must be running too).</summary>
    public bool Schedulable => !Paused && !Faulted;

    /// <summary>Takes the cleanup, once: the caller runs it.</summary>
    public Func<CancellationToken, Task>? TakeCleanup()
    {
        if (CleanupStarted || Definition.Cleanup is null)
        {
            return null;
        }

        CleanupStarted = true;
        return Definition.Cleanup;
    }

    public ScheduledJobInfo Snapshot(bool schedulerRunning, bool schedulerStopped)
    {
        var state = schedulerStopped ? ScheduledJobState.Stopped
            : Faulted ? ScheduledJobState.Faulted
            : Paused ? ScheduledJobState.Paused
            : BackingOff ? ScheduledJobState.BackingOff
            : Running > 0 ? ScheduledJobState.Running
            : ScheduledJobState.Scheduled;
        DateTimeOffset? next = schedulerRunning && Schedulable ? NextRun : null;
        return new ScheduledJobInfo(Id, state, Schedule.Interval, Schedule.MaxInstances, Running, ConsecutiveFailures, next, LastResult)
        {
            Cron = Schedule.Cron,
            TimeZone = Schedule.Cron is null ? null : Grid is CronGrid cron ? cron.Zone.Id : null,
        };
    }
}
