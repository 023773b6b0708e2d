namespace ScraperSky.Pipeline;

/// <summary>A snapshot of one scheduled job: its state, its next run and its last result.</summary>
public sealed class ScheduledJobInfo
{
    internal ScheduledJobInfo(string jobId, ScheduledJobState state, TimeSpan interval, int maxInstances, int runningInstances, int consecutiveFailures, DateTimeOffset? nextRunTime, JobRunResult? lastResult)
    {
        JobId = jobId;
        State = state;
        Interval = interval;
        MaxInstances = maxInstances;
        RunningInstances = runningInstances;
        ConsecutiveFailures = consecutiveFailures;
        NextRunTime = nextRunTime;
        LastResult = lastResult;
    }

    /// <summary>Gets the job's id.</summary>
    public string JobId { get; }

    /// <summary>Gets what the job is doing.</summary>
    public ScheduledJobState State { get; }

    /// <summary>Gets the time between two scheduled runs; unused when <see cref="Cron"/> is set.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Gets the cron expression that schedules the job instead of <see cref="Interval"/>, or <see langword="null"/>.</summary>
    public string? Cron { get; internal init; }

    /// <summary>Gets the id of the time zone <see cref="Cron"/> is read in (<c>UTC</c> unless set), or <see langword="null"/> without cron.</summary>
    public string? TimeZone { get; internal init; }

    /// <summary>Gets how many runs of the job may be in progress at once.</summary>
    public int MaxInstances { get; }

    /// <summary>Gets how many runs of the job are in progress.</summary>
    public int RunningInstances { get; }

    /// <summary>Gets how many runs in a row have failed (reset by a run that succeeds).</summary>
    public int ConsecutiveFailures { get; }

    /// <summary>Gets the time of the next scheduled run (start jitter and back-off included), or <see langword="null"/> when paused or stopped.</summary>
    public DateTimeOffset? NextRunTime { get; }

    /// <summary>Gets the result of the last run that ended (succeeded, failed or was cancelled), or <see langword="null"/>; missed and skipped runs are reported by events only.</summary>
    public JobRunResult? LastResult { get; }
}
