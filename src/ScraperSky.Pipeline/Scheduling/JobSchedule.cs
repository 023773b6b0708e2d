namespace ScraperSky.Pipeline.Scheduling;

/// <summary>The validated, immutable schedule of one job, taken from its options when the job is added.</summary>
internal sealed record JobSchedule(
    TimeSpan Interval,
    int MaxInstances,
    TimeSpan MisfireGraceTime,
    bool Coalesce,
    TimeSpan StartJitter,
    int MaxConsecutiveFailures,
    TimeSpan FailureBackoff,
    RepeatedFailureAction OnRepeatedFailure = RepeatedFailureAction.BackOff,
    TimeSpan? RetryDelay = null,
    bool OncePerCluster = false,
    int? MaxHostsAtOnce = null)
{
    /// <summary>Whether a run needs the cluster's consent (a run key or a slot) before it starts.</summary>
    public bool NeedsCluster => OncePerCluster || MaxHostsAtOnce is not null;

    public static JobSchedule From(ScheduledJobOptions o)
        => new(o.Interval, o.MaxInstances, o.MisfireGraceTime, o.Coalesce, o.StartJitter, o.MaxConsecutiveFailures, o.FailureBackoff, o.OnRepeatedFailure, o.RetryDelay, o.OncePerCluster);

    public static JobSchedule From(StatusWorkflowScheduleOptions o)
        => new(o.Interval, o.MaxInstances, o.MisfireGraceTime, o.Coalesce, o.StartJitter, o.MaxConsecutiveFailures, o.FailureBackoff, MaxHostsAtOnce: o.MaxHostsAtOnce);

    /// <summary>
    /// The delay before the next run once the job backs off: it doubles from the interval with every failure past the
    /// limit, and never exceeds the larger of the interval and <see cref="FailureBackoff"/> (backing off never runs sooner).
    /// </summary>
    public TimeSpan BackoffDelay(int consecutiveFailures)
    {
        var cap = FailureBackoff > Interval ? FailureBackoff : Interval;
        var doublings = Math.Clamp(consecutiveFailures - MaxConsecutiveFailures + 1, 0, 30);
        var ticks = Interval.Ticks * (1L << doublings);
        return ticks <= 0 || ticks > cap.Ticks ? cap : TimeSpan.FromTicks(ticks);
    }
}
