using System.Text.Json.Serialization;

namespace ScraperSky.SampleHost.Jobs;

/// <summary>How many rows of a workflow (or a job) are in each of its four statuses.</summary>
public readonly record struct QueueCounts(long Queued, long Processing, long Completed, long Error)
{
    /// <summary>Gets whether nothing waits or runs.</summary>
    [JsonIgnore]
    public bool IsDrained => Queued == 0 && Processing == 0;

    public static QueueCounts operator +(QueueCounts a, QueueCounts b)
        => new(a.Queued + b.Queued, a.Processing + b.Processing, a.Completed + b.Completed, a.Error + b.Error);
}
