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

    /// <summary>The default <see cref="MaxAttempts"/>.</summary>
    public const int DefaultMaxAttempts = 5;

    /// <summary>The largest accepted <see cref="Parallelism"/>.</summary>
    public const int MaxParallelism = 256;

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

    /// <summary>Gets or sets how rows are claimed and finished.</summary>
    /// <value>Default <see cref="ClaimMode.AtomicBatch"/>.</value>
    public ClaimMode Mode { get; set; } = ClaimMode.AtomicBatch;

    /// <summary>
    /// Gets or sets how long a lease-mode claim lasts without renewal. While the host holds a row (waiting in a lane,
    /// running, or waiting for its outcome to be written) its lease keeper renews the lease every
    /// <see cref="LeaseRenewalInterval"/>, so a lease expires only when its host is gone or stuck; the rescuer then
    /// returns the row to the queue. A shorter lease finds dead hosts sooner; it need not exceed <see cref="ItemTimeout"/>.
    /// </summary>
    /// <value>Default 5 minutes; at least one second, at most one day, and at least three renewal intervals.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how often the lease keeper renews the leases of every row the host holds, in one statement per
    /// workflow.
    /// </summary>
    /// <value>
    /// Default <see langword="null"/>: a tenth of <see cref="LeaseDuration"/>, at most 30 seconds. When set: more than
    /// zero and at most a third of <see cref="LeaseDuration"/>, so that a late or failed renewal is followed by another
    /// before the lease runs out.
    /// </value>
    public TimeSpan? LeaseRenewalInterval { get; set; }

    /// <summary>Gets or sets how many times a lease-mode item is claimed before a failure or an expired lease ends it as error.</summary>
    /// <value>Default <see cref="DefaultMaxAttempts"/>; at least 1.</value>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>Gets or sets how many items of a lease-mode batch are processed at once.</summary>
    /// <value>Default 1; from 1 to <see cref="MaxParallelism"/>.</value>
    public int Parallelism { get; set; } = 1;

    /// <summary>Gets or sets how long one item may run before it is cancelled and fails with "timed out after …".</summary>
    /// <value>Default 1 minute; more than zero. In lease mode it may exceed <see cref="LeaseDuration"/>: the lease keeper renews the lease of a running item.</value>
    public TimeSpan ItemTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the first retry delay of a failed lease-mode item; each further attempt doubles it, with jitter.</summary>
    /// <value>Default 10 seconds; zero or more.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the longest retry delay.</summary>
    /// <value>Default 1 hour; at least <see cref="RetryDelay"/>.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets what the start-up doctor does with its findings.</summary>
    /// <value>Default <see cref="DoctorMode.Warn"/>.</value>
    public DoctorMode Doctor { get; set; } = DoctorMode.Warn;

    /// <summary>
    /// Gets or sets whether a notification wakes the workflow as soon as a row becomes queued (LISTEN/NOTIFY), instead of
    /// at the next <see cref="Interval"/>, which then serves as the safety poll. Needs the workflow's trigger
    /// (<see cref="InstallWakeUpTrigger"/> or <c>StatusWorkflowScripts.WakeUpTrigger</c> in a migration).
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool WakeUp { get; set; }

    /// <summary>Gets or sets whether start-up installs (or replaces) the workflow's wake-up trigger.</summary>
    /// <value>Default <see langword="false"/>: install it with a migration.</value>
    public bool InstallWakeUpTrigger { get; set; }

    /// <summary>
    /// Gets or sets the connection string the wake-up listener uses, when the workflow's own goes through a
    /// transaction-mode pooler (where LISTEN cannot work): a direct connection to the same database.
    /// </summary>
    /// <value>Default <see langword="null"/>: the workflow's DbContext connection string.</value>
    public string? WakeUpConnectionString { get; set; }
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
}
