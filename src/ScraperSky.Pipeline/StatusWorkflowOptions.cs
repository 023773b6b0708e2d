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
}
