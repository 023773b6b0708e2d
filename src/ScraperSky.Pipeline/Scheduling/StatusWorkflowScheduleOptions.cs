namespace ScraperSky.Pipeline;

/// <summary>
/// The schedule of a status workflow's job on the host's shared scheduler: <see cref="StatusWorkflowOptions.Schedule"/>.
/// A run drains the queue until it is empty (or <see cref="StatusWorkflowBatchOptions.MaxPerRun"/>).
/// </summary>
public sealed class StatusWorkflowScheduleOptions
{
    private TimeSpan _interval = DefaultInterval;

    /// <summary>
    /// The default <see cref="Interval"/>: 5 seconds. With wake-up on (the default) the interval is the safety poll that
    /// finds rows no notification announced (a writer without the trigger, a dropped listener connection); one poll of
    /// an idle workflow is one index probe, so 5 seconds costs nothing measurable and keeps "queued, nothing happens"
    /// shorter than a user's patience. Hosts with many workflows on a busy database may raise it.
    /// </summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="MisfireGraceTime"/>: 30 minutes.</summary>
    public static readonly TimeSpan DefaultMisfireGraceTime = ScheduledJobOptions.DefaultMisfireGraceTime;

    /// <summary>The default <see cref="FailureBackoff"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultFailureBackoff = ScheduledJobOptions.DefaultFailureBackoff;

    /// <summary>The default <see cref="MaxInstances"/>.</summary>
    public const int DefaultMaxInstances = ScheduledJobOptions.DefaultMaxInstances;

    /// <summary>The default <see cref="MaxConsecutiveFailures"/>.</summary>
    public const int DefaultMaxConsecutiveFailures = ScheduledJobOptions.DefaultMaxConsecutiveFailures;

    /// <summary>Gets or sets the time between two runs of the workflow's loop.</summary>
    /// <value>Default <see cref="DefaultInterval"/> (5 seconds); more than zero, at most one day; not together with <see cref="Cron"/>.</value>
    public TimeSpan Interval
    {
        get => _interval;
        set
        {
            // The configuration binder writes back every value it visits: only a change counts as setting it.
            IntervalSet |= value != _interval;
            _interval = value;
        }
    }

    /// <summary>
    /// Gets or sets a cron expression that schedules the job instead of <see cref="Interval"/>: five fields (minute hour
    /// day-of-month month day-of-week, such as <c>0 3 * * *</c>), six with seconds first (<c>*/30 * * * * *</c>), or a
    /// macro such as <c>@daily</c>. The first run is the next occurrence after the scheduler starts, not at once; the
    /// misfire, coalesce, instance, jitter and failure rules apply as with an interval.
    /// </summary>
    /// <value>
    /// Default <see langword="null"/>: the job runs every <see cref="Interval"/>. With a cron expression,
    /// <see cref="Interval"/> must keep its default (changing both is an error); an expression that does not parse, or
    /// never occurs again, is rejected.
    /// </value>
    public string? Cron { get; set; }

    /// <summary>
    /// Gets or sets the time zone <see cref="Cron"/> is read in, as an IANA id (<c>Europe/Berlin</c>) or a Windows id
    /// (<c>W. Europe Standard Time</c>). Daylight saving time: a run whose time falls in a spring-forward gap runs at the
    /// end of the gap; a fall-back overlap runs a fixed time once (the first time it occurs) and an expression that
    /// repeats within the hour in both.
    /// </summary>
    /// <value>Default <see langword="null"/>: UTC. Only with <see cref="Cron"/>; an id this machine does not know is rejected.</value>
    public string? TimeZone { get; set; }

    /// <summary>Gets whether <see cref="Interval"/> was changed from its default (in code, configuration or the environment): an error together with <see cref="Cron"/>.</summary>
    internal bool IntervalSet { get; private set; }

    /// <summary>Gets or sets the workflow's job id on the shared scheduler, such as <c>process_pending_domains</c>.</summary>
    /// <value>Default <see langword="null"/>: the workflow's name. Not empty or white space when set; unique among the host's jobs.</value>
    public string? JobId { get; set; }

    /// <summary>Gets or sets how many runs of the workflow may be in progress at once; a run due beyond that is skipped and reported.</summary>
    /// <value>Default <see cref="DefaultMaxInstances"/> (1); at least 1.</value>
    public int MaxInstances { get; set; } = DefaultMaxInstances;

    /// <summary>Gets or sets how late a run may start; a run due longer ago than this (after a stall) is missed and reported.</summary>
    /// <value>Default <see cref="DefaultMisfireGraceTime"/> (30 minutes); more than zero.</value>
    public TimeSpan MisfireGraceTime { get; set; } = DefaultMisfireGraceTime;

    /// <summary>Gets or sets whether several runs that fell due during a stall become one run.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool Coalesce { get; set; } = true;

    /// <summary>Gets or sets the largest random delay added to each scheduled start, so that many hosts do not claim together.</summary>
    /// <value>Default zero; at least zero and less than <see cref="Interval"/>.</value>
    public TimeSpan StartJitter { get; set; }

    /// <summary>
    /// Gets or sets how many runs in a row may fail (a database that is down) before the workflow backs off: it then
    /// reports unhealthy and waits longer between runs, up to <see cref="FailureBackoff"/>, until a run succeeds again.
    /// </summary>
    /// <value>Default <see cref="DefaultMaxConsecutiveFailures"/> (3); at least 1.</value>
    public int MaxConsecutiveFailures { get; set; } = DefaultMaxConsecutiveFailures;

    /// <summary>Gets or sets the longest delay between runs while the workflow backs off (the delay doubles from <see cref="Interval"/>).</summary>
    /// <value>Default <see cref="DefaultFailureBackoff"/> (5 minutes); more than zero, at most one day.</value>
    public TimeSpan FailureBackoff { get; set; } = DefaultFailureBackoff;

    /// <summary>
    /// Gets or sets how many hosts may run the workflow at once across the cluster (a third-party API that allows few
    /// callers, a table that suffers under many claimers). Before a run the host takes one of this many slots in the
    /// cluster's schema, renews it while the run lasts and gives it back after; a slot whose host stopped renewing (a
    /// crash) is free again once it expires. A host that finds no free slot records the run as
    /// <see cref="JobRunOutcome.Skipped"/> with a <see cref="JobRunResult.SkipReason"/>. Needs
    /// <c>services.AddPipelineCluster(…)</c>; without it the host does not start.
    /// </summary>
    /// <value>Default <see langword="null"/>: no limit (no slot is taken). At least 1 when set.</value>
    public int? MaxHostsAtOnce { get; set; }
}
