namespace ScraperSky.Pipeline;

/// <summary>
/// The settings of one status workflow (named options: the name is the workflow's), grouped by concern: <see cref="Batch"/>,
/// <see cref="Schedule"/>, <see cref="Lease"/>, <see cref="Retry"/> and <see cref="WakeUp"/>. The configuration keys follow
/// the groups (<c>Lease:Duration</c>). Invalid values stop the host at start-up with a message naming the workflow and
/// the setting.
/// </summary>
public sealed class StatusWorkflowOptions
{
    /// <summary>The default <see cref="Parallelism"/>.</summary>
    public const int DefaultParallelism = 1;

    /// <summary>The largest accepted <see cref="Parallelism"/>.</summary>
    public const int MaxParallelism = 256;

    /// <summary>The default <see cref="ItemTimeout"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultItemTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets whether the workflow runs at all.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how rows are claimed and finished.</summary>
    /// <value>Default <see cref="ClaimMode.AtomicBatch"/>.</value>
    public ClaimMode Mode { get; set; } = ClaimMode.AtomicBatch;

    /// <summary>Gets or sets how many items of a lease-mode batch are processed at once.</summary>
    /// <value>Default <see cref="DefaultParallelism"/> (1); from 1 to <see cref="MaxParallelism"/>.</value>
    public int Parallelism { get; set; } = DefaultParallelism;

    /// <summary>Gets or sets how long one item may run before it is cancelled and fails with "timed out after …".</summary>
    /// <value>
    /// Default <see cref="DefaultItemTimeout"/> (1 minute); more than zero. In lease mode it may exceed
    /// <see cref="StatusWorkflowLeaseOptions.Duration"/>: the lease keeper renews the lease of a running item.
    /// </value>
    public TimeSpan ItemTimeout { get; set; } = DefaultItemTimeout;

    /// <summary>Gets or sets what the start-up check does with its findings (a missing claim index, an unusable column type, a missing wake-up trigger…).</summary>
    /// <value>Default <see cref="StartupCheckMode.Warn"/>.</value>
    public StartupCheckMode StartupCheck { get; set; } = StartupCheckMode.Warn;

    /// <summary>Gets the claim settings: rows per claim and claims per run (configuration section <c>Batch</c>).</summary>
    public StatusWorkflowBatchOptions Batch { get; } = new();

    /// <summary>Gets the settings of the workflow's job on the host's shared scheduler (configuration section <c>Schedule</c>).</summary>
    public StatusWorkflowScheduleOptions Schedule { get; } = new();

    /// <summary>Gets the lease-mode claim settings (configuration section <c>Lease</c>).</summary>
    public StatusWorkflowLeaseOptions Lease { get; } = new();

    /// <summary>Gets the retry settings of failed items (configuration section <c>Retry</c>).</summary>
    public StatusWorkflowRetryOptions Retry { get; } = new();

    /// <summary>Gets the LISTEN/NOTIFY wake-up settings (configuration section <c>WakeUp</c>).</summary>
    public StatusWorkflowWakeUpOptions WakeUp { get; } = new();
}
