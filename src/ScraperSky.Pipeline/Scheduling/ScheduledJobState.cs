namespace ScraperSky.Pipeline;

/// <summary>What a scheduled job is doing, as listed by <see cref="IJobScheduler.GetJobs"/>.</summary>
public enum ScheduledJobState
{
    /// <summary>Waiting for its next run.</summary>
    Scheduled,

    /// <summary>At least one run is in progress.</summary>
    Running,

    /// <summary>
    /// Its last runs failed <c>MaxConsecutiveFailures</c> times in a row (<see cref="RepeatedFailureAction.BackOff"/>); it
    /// runs again after a longer delay until one succeeds. Reported unhealthy.
    /// </summary>
    BackingOff,

    /// <summary>Paused: no scheduled runs start until it is resumed (runs in progress finish).</summary>
    Paused,

    /// <summary>The scheduler has stopped; no run starts any more.</summary>
    Stopped,

    /// <summary>
    /// Its last runs failed <c>MaxConsecutiveFailures</c> times in a row (<see cref="RepeatedFailureAction.Stop"/>): no run
    /// starts any more, not even a manual one, until the host restarts. Reported unhealthy.
    /// </summary>
    Faulted,
}
