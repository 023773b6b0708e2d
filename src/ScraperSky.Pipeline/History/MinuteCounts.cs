namespace ScraperSky.Pipeline.History;

/// <summary>
/// One workflow's counts over a span of time (a minute, or several merged): items by outcome and the wait and
/// processing distributions in <see cref="HistoryBuckets"/>. Merging adds counts and keeps the larger maximum, so any
/// number of hosts and minutes merge exactly, in any order.
/// </summary>
internal sealed class MinuteCounts
{
    public long Completed { get; set; }

    public long Failed { get; set; }

    public long Retried { get; set; }

    public long Snoozed { get; set; }

    public long Rescued { get; set; }

    /// <summary>Gets the wait-time counts per bucket (claim time minus the row's updated-at).</summary>
    public long[] Wait { get; } = new long[HistoryBuckets.Count];

    /// <summary>Gets the processing-time counts per bucket.</summary>
    public long[] Processing { get; } = new long[HistoryBuckets.Count];

    /// <summary>Gets or sets the longest wait counted, in milliseconds (0 when none).</summary>
    public double WaitMax { get; set; }

    /// <summary>Gets or sets the longest processing time counted, in milliseconds (0 when none).</summary>
    public double ProcessingMax { get; set; }

    /// <summary>Gets whether nothing was counted.</summary>
    public bool IsEmpty => Completed == 0 && Failed == 0 && Retried == 0 && Snoozed == 0 && Rescued == 0
        && Array.TrueForAll(Wait, c => c == 0) && Array.TrueForAll(Processing, c => c == 0);

    /// <summary>Adds <paramref name="other"/>'s counts to these.</summary>
    public void Add(MinuteCounts other)
    {
        Completed += other.Completed;
        Failed += other.Failed;
        Retried += other.Retried;
        Snoozed += other.Snoozed;
        Rescued += other.Rescued;
        for (var i = 0; i < HistoryBuckets.Count; i++)
        {
            Wait[i] += other.Wait[i];
            Processing[i] += other.Processing[i];
        }

        WaitMax = Math.Max(WaitMax, other.WaitMax);
        ProcessingMax = Math.Max(ProcessingMax, other.ProcessingMax);
    }
}
