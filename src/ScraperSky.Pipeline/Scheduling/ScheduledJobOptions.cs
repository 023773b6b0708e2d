namespace ScraperSky.Pipeline;

/// <summary>
/// The schedule and failure policy of a job added with <c>AddScheduledJob</c> or <c>AddScheduledService</c>: the
/// APScheduler <c>add_job</c> arguments, with safer defaults. Invalid values are rejected with an
/// <see cref="ArgumentException"/> when the job is added, with a message naming the job and the setting.
/// </summary>
public sealed class ScheduledJobOptions
{
    private TimeSpan _interval = DefaultInterval;

    /// <summary>The default interval: 1 minute.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The default misfire grace time: 30 minutes (<c>misfire_grace_time=1800</c>, as ScraperSky's Python services set it). APScheduler's own default of
    /// 1 second silently drops any run that starts a little late; this one only drops runs after a long stall.
    /// </summary>
    public static readonly TimeSpan DefaultMisfireGraceTime = TimeSpan.FromMinutes(30);

    /// <summary>The default longest delay between runs while a job backs off after failures: 5 minutes.</summary>
    public static readonly TimeSpan DefaultFailureBackoff = TimeSpan.FromMinutes(5);

    /// <summary>The default number of runs of one job that may be in progress at once: 1.</summary>
    public const int DefaultMaxInstances = 1;

    /// <summary>The default number of failed runs in a row after which <see cref="OnRepeatedFailure"/> applies: 3.</summary>
    public const int DefaultMaxConsecutiveFailures = 3;

    /// <summary>Gets or sets the time between the scheduled starts of two runs; the first run is due when the scheduler starts.</summary>
    /// <value>Default <see cref="DefaultInterval"/>; more than zero, at most one day; not together with <see cref="Cron"/>.</value>
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

    /// <summary>Gets or sets how many runs of the job may be in progress at once; a run due beyond that is skipped and reported.</summary>
    /// <value>Default <see cref="DefaultMaxInstances"/>; at least 1.</value>
    public int MaxInstances { get; set; } = DefaultMaxInstances;

    /// <summary>Gets or sets how late a run may start; a run due longer ago than this (after a stall) is missed and reported.</summary>
    /// <value>Default <see cref="DefaultMisfireGraceTime"/>; more than zero.</value>
    public TimeSpan MisfireGraceTime { get; set; } = DefaultMisfireGraceTime;

    /// <summary>Gets or sets whether several runs that fell due during a stall become one run (otherwise each runs, one after another).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool Coalesce { get; set; } = true;

    /// <summary>Gets or sets the largest random delay added to each scheduled start, so that many hosts do not start together.</summary>
    /// <value>Default zero; at least zero and less than <see cref="Interval"/>.</value>
    public TimeSpan StartJitter { get; set; }

    /// <summary>Gets or sets whether adding a job whose id is already registered replaces it; otherwise adding it throws.</summary>
    /// <value>Default <see langword="false"/>: a duplicate id is usually a mistake, and there is no persistent job store to reconcile.</value>
    public bool ReplaceExisting { get; set; }

    /// <summary>
    /// Gets or sets how many runs in a row may fail before <see cref="OnRepeatedFailure"/> applies: the job then backs off
    /// (the delay doubles from <see cref="Interval"/> up to <see cref="FailureBackoff"/> until a run succeeds) or stops
    /// as <see cref="ScheduledJobState.Faulted"/>; either way it reports unhealthy.
    /// </summary>
    /// <value>Default <see cref="DefaultMaxConsecutiveFailures"/>; at least 1.</value>
    public int MaxConsecutiveFailures { get; set; } = DefaultMaxConsecutiveFailures;

    /// <summary>Gets or sets what the job does once <see cref="MaxConsecutiveFailures"/> runs in a row have failed: back off and keep trying, or stop.</summary>
    /// <value>Default <see cref="RepeatedFailureAction.BackOff"/>.</value>
    public RepeatedFailureAction OnRepeatedFailure { get; set; } = RepeatedFailureAction.BackOff;

    /// <summary>
    /// Gets or sets how soon a failed run is tried again while fewer than <see cref="MaxConsecutiveFailures"/> runs in a
    /// row have failed (<c>retry_delay_seconds</c> in APScheduler-based services); the retry does not move the job's interval grid, and the
    /// next point of the grid still runs if it comes sooner.
    /// </summary>
    /// <value>Default <see langword="null"/>: the next point of the interval. Otherwise more than zero, at most one day.</value>
    public TimeSpan? RetryDelay { get; set; }

    /// <summary>Gets or sets the longest delay between runs while the job backs off.</summary>
    /// <value>Default <see cref="DefaultFailureBackoff"/>; more than zero, at most one day.</value>
    public TimeSpan FailureBackoff { get; set; } = DefaultFailureBackoff;

    /// <summary>
    /// Gets or sets whether the job runs once per scheduled time across every host that shares the cluster's database
    /// (purging old rows, sending a daily report), rather than once on each host. The job's runs then sit on a grid
    /// anchored at the Unix epoch, so that all hosts agree on the times; before a run, the host claims the pair (job
    /// id, scheduled time) in the cluster's schema, and the hosts that find it taken record the run as
    /// <see cref="JobRunOutcome.Skipped"/> with a <see cref="JobRunResult.SkipReason"/>. A manual run
    /// (<see cref="IJobScheduler.RunNowAsync"/>) always runs. Needs <c>services.AddPipelineCluster(…)</c>; without it the
    /// host does not start.
    /// </summary>
    /// <value>Default <see langword="false"/>: every host runs the job.</value>
    public bool OncePerCluster { get; set; }
}
