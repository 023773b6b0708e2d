namespace ScraperSky.Pipeline;

/// <summary>
/// The timing, batch and concurrency settings of one status workflow (named options: the name is the workflow's).
/// Invalid values stop the host at start-up with a message naming the workflow and the setting.
/// </summary>
public sealed class StatusWorkflowOptions
{
    /// <summary>The default <see cref="BatchSize"/>: 10, as in the seeds' job functions.</summary>
    public const int DefaultBatchSize = 10;

    /// <summary>The largest accepted <see cref="BatchSize"/>.</summary>
    public const int MaxBatchSize = 10_000;

    /// <summary>The default <see cref="MaxBatchesPerRun"/>.</summary>
    public const int DefaultMaxBatchesPerRun = 100;

    /// <summary>Gets or sets whether the workflow runs at all.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the number of rows one claim takes.</summary>
    /// <value>Default <see cref="DefaultBatchSize"/>; from 1 to <see cref="MaxBatchSize"/>.</value>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>Gets or sets the time between two runs of the workflow's loop (a run drains until the queue is empty).</summary>
    /// <value>Default 1 minute; more than zero, at most one day.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how many batches one run claims at most before yielding until the next interval.</summary>
    /// <value>Default <see cref="DefaultMaxBatchesPerRun"/>; at least 1.</value>
    public int MaxBatchesPerRun { get; set; } = DefaultMaxBatchesPerRun;

    // Scheduling: the workflow is a job on the host's shared scheduler (issue 3). Defaults live on ScheduledJobOptions.

    /// <summary>Gets or sets the workflow's job id on the shared scheduler, such as the seeds' <c>process_pending_domains</c>.</summary>
    /// <value>Default <see langword="null"/>: the workflow's name. Not empty or white space when set; unique among the host's jobs.</value>
    public string? JobId { get; set; }

    /// <summary>Gets or sets how many runs of the workflow may be in progress at once; a run due beyond that is skipped and reported.</summary>
    /// <value>Default <see cref="ScheduledJobOptions.DefaultMaxInstances"/> (1); at least 1.</value>
    public int MaxInstances { get; set; } = ScheduledJobOptions.DefaultMaxInstances;

    /// <summary>Gets or sets how late a run may start; a run due longer ago than this (after a stall) is missed and reported.</summary>
    /// <value>Default <see cref="ScheduledJobOptions.DefaultMisfireGraceTime"/> (30 minutes); more than zero.</value>
    public TimeSpan MisfireGraceTime { get; set; } = ScheduledJobOptions.DefaultMisfireGraceTime;

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
    /// <value>Default <see cref="ScheduledJobOptions.DefaultMaxConsecutiveFailures"/> (3); at least 1.</value>
    public int MaxConsecutiveFailures { get; set; } = ScheduledJobOptions.DefaultMaxConsecutiveFailures;

    /// <summary>Gets or sets the longest delay between runs while the workflow backs off (the delay doubles from <see cref="Interval"/>).</summary>
    /// <value>Default <see cref="ScheduledJobOptions.DefaultFailureBackoff"/> (5 minutes); more than zero, at most one day.</value>
    public TimeSpan FailureBackoff { get; set; } = ScheduledJobOptions.DefaultFailureBackoff;

    /// <summary>Where each setting came from (default, code, configuration, environment); filled when the options are built.</summary>
    internal Configuration.WorkflowSettingSources? Sources { get; set; }
}
