namespace ScraperSky.Pipeline;

/// <summary>
/// What a scheduled job does once <see cref="ScheduledJobOptions.MaxConsecutiveFailures"/> runs in a row have failed;
/// set with <see cref="ScheduledJobOptions.OnRepeatedFailure"/>. Either way the health check reports the job unhealthy.
/// </summary>
public enum RepeatedFailureAction
{
    /// <summary>
    /// Keep trying, further apart: the job is <see cref="ScheduledJobState.BackingOff"/>, the delay between runs doubles
    /// from its interval up to <see cref="ScheduledJobOptions.FailureBackoff"/>, and the first run that succeeds puts it
    /// back on its interval. For work that fails while something it needs is down (the database, a remote API).
    /// </summary>
    BackOff,

    /// <summary>
    /// Stop for good: the job is <see cref="ScheduledJobState.Faulted"/>, no run starts any more (a scheduled service's
    /// cleanup runs), until the host restarts. The <c>AbstractService</c> contract of ScraperSky's Python services (<c>max_failures</c>).
    /// </summary>
    Stop,
}
