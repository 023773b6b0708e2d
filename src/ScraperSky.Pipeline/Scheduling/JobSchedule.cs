namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The validated, immutable schedule of one job, taken from its options when the job is added: an interval, or a cron
/// expression in a time zone (<see cref="Cron"/>; the interval is then unused), and the rules every job shares.
/// </summary>
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

    /// <summary>The cron expression, or <see langword="null"/> for an interval schedule.</summary>
    public string? Cron { get; init; }

    /// <summary>The time zone id of <see cref="Cron"/>; <see langword="null"/> for UTC.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Whether the options set the interval explicitly (it is an error together with <see cref="Cron"/>).</summary>
    public bool IntervalSet { get; init; }

    public static JobSchedule From(ScheduledJobOptions o)
        => new(o.Interval, o.MaxInstances, o.MisfireGraceTime, o.Coalesce, o.StartJitter, o.MaxConsecutiveFailures, o.FailureBackoff, o.OnRepeatedFailure, o.RetryDelay, o.OncePerCluster)
        {
            Cron = NullIfEmpty(o.Cron),
            TimeZone = NullIfEmpty(o.TimeZone),
            IntervalSet = o.IntervalSet,
        };

    public static JobSchedule From(StatusWorkflowScheduleOptions o)
        => new(o.Interval, o.MaxInstances, o.MisfireGraceTime, o.Coalesce, o.StartJitter, o.MaxConsecutiveFailures, o.FailureBackoff, MaxHostsAtOnce: o.MaxHostsAtOnce)
        {
            Cron = NullIfEmpty(o.Cron),
            TimeZone = NullIfEmpty(o.TimeZone),
            IntervalSet = o.IntervalSet,
        };

    /// <summary>
    /// The delay before the next run once the job backs off: it doubles from <paramref name="spacing"/> (the interval, or
    /// the time to the next cron occurrence) with every failure past the limit, and never exceeds the larger of the
    /// spacing and <see cref="FailureBackoff"/> (backing off never runs sooner).
    /// </summary>
    public TimeSpan BackoffDelay(int consecutiveFailures, TimeSpan spacing)
    {
        var cap = FailureBackoff > spacing ? FailureBackoff : spacing;
        var doublings = Math.Clamp(consecutiveFailures - MaxConsecutiveFailures + 1, 0, 30);
        var ticks = spacing.Ticks * (1L << doublings);
        return ticks <= 0 || ticks > cap.Ticks || ticks / (1L << doublings) != spacing.Ticks ? cap : TimeSpan.FromTicks(ticks);
    }

    /// <summary>How the schedule reads in the log: <c>every 00:00:05</c> or <c>on cron '0 3 * * *' (Europe/Berlin)</c>.</summary>
    public string Describe()
        => Cron is null
            ? "every " + Interval.ToString("c", System.Globalization.CultureInfo.InvariantCulture)
            : $"on cron '{Cron}' ({TimeZone ?? "UTC"})";

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
