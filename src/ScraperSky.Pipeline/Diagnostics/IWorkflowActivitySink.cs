namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>
/// Receives, for one workflow, what the engine already reports to its instruments, as primitives: a feature above the
/// engine (the history rollup) implements it, so the engine names no type of that feature. Called on the hot path from
/// many lanes at once: implementations must be thread-safe, cheap and must not allocate for items that complete.
/// </summary>
internal interface IWorkflowActivitySink
{
    /// <summary>Records how long one claimed item waited in the queue (claim time minus its last update).</summary>
    void Waited(TimeSpan wait);

    /// <summary>Records one processed attempt.</summary>
    /// <param name="elapsed">How long the processor call took.</param>
    /// <param name="outcome">The outcome tag: completed, failed, retry, snoozed, threw, timed_out or stopped.</param>
    /// <param name="reason">The attempt's error text, when it failed.</param>
    /// <param name="key">The item's key.</param>
    void Processed(TimeSpan elapsed, string outcome, string? reason, object? key);

    /// <summary>Counts a batch's outcomes once they are committed.</summary>
    void Outcomes(int completed, int failed, int retried);

    /// <summary>Counts expired leases the rescuer returned to the queue or ended as error.</summary>
    void Rescued(int count);
}
