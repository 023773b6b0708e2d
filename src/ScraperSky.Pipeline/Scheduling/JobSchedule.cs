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
    TimeSpan? RetryDelay = null)
{
    public static JobSchedule From(ScheduledJobOptions o)
        => new(o.Interval, o.MaxInstances, o.MisfireGraceTime, o.Coalesce, o.StartJitter, o.MaxConsecutiveFailures, o.FailureBackoff, o.OnRepeatedFailure, o.RetryDelay);

    public static JobSchedule From(StatusWorkflowScheduleOptions o)
        => new(o.Interval, o.MaxInstances, o.MisfireGraceTime, o.Coalesce, o.StartJitter, o.MaxConsecutiveFailures, o.FailureBackoff);

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
