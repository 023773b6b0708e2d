namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// What a job (or one of its workflows) is doing: the library's <c>ScheduledJobState</c>, plus the two states of a
/// workflow that is not on the scheduler. For a job of two workflows the more telling state wins, in the order below.
/// </summary>
public enum JobState
{
    /// <summary>Runs failed too often in a row and the job stopped for good (<c>OnRepeatedFailure = Stop</c>) until the host restarts.</summary>
    Faulted,

    /// <summary>A run failed too often in a row; the scheduler waits longer between runs until one succeeds.</summary>
    BackingOff,

    /// <summary>A run is in progress.</summary>
    Running,

    /// <summary>Paused: no scheduled run starts until it is resumed.</summary>
    Paused,

    /// <summary>Waiting for its next run.</summary>
    Scheduled,

    /// <summary>Enabled, but the scheduler has not added it yet (the host is starting).</summary>
    NotStarted,

    /// <summary>The scheduler has stopped (the host is stopping).</summary>
    Stopped,

    /// <summary>Turned off by its settings (<c>Enabled = false</c>, <c>{PREFIX}_SCHEDULER_ENABLED=false</c>): never scheduled.</summary>
    Disabled,
}
