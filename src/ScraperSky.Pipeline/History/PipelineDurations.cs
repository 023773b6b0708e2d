namespace ScraperSky.Pipeline;

/// <summary>
/// A distribution of durations in a <see cref="PipelineHistoryPoint"/>: percentiles read from fixed log-spaced buckets
/// merged across minutes and hosts (within one bucket's width, a factor of 1.6, interpolated inside it), and the exact maximum.
/// </summary>
public sealed record PipelineDurations
{
    /// <summary>Gets the number of durations measured.</summary>
    public required long Count { get; init; }

    /// <summary>Gets the median.</summary>
    public required TimeSpan P50 { get; init; }

    /// <summary>Gets the 95th percentile.</summary>
    public required TimeSpan P95 { get; init; }

    /// <summary>Gets the longest.</summary>
    public required TimeSpan Max { get; init; }
}
