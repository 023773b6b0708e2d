namespace ScraperSky.Pipeline;

/// <summary>A workflow's row counts per status, as cached by <see cref="IPipelineCatalog.GetCountsAsync"/>.</summary>
public sealed record StatusCounts
{
    /// <summary>Gets the number of queued rows (due or not).</summary>
    public required long Queued { get; init; }

    /// <summary>Gets the number of rows being processed.</summary>
    public required long Processing { get; init; }

    /// <summary>Gets the number of completed rows.</summary>
    public required long Completed { get; init; }

    /// <summary>Gets the number of failed rows.</summary>
    public required long Error { get; init; }

    /// <summary>Gets the number of processing rows whose lease has expired (lease mode), or <see langword="null"/>.</summary>
    public long? StuckProcessing { get; init; }

    /// <summary>Gets the updated-at time of the oldest queued row, or <see langword="null"/> (none, or no updated-at column).</summary>
    public DateTimeOffset? OldestQueuedAt { get; init; }

    /// <summary>Gets whether every count is exact; when false a count stopped at its cap and means "at least".</summary>
    public required bool IsExact { get; init; }

    /// <summary>Gets when the counts were taken.</summary>
    public required DateTimeOffset CountedAt { get; init; }
}
