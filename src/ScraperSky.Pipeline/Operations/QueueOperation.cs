using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Operations;

/// <summary>
/// One operation of the queue API: its name (for the log), the rows it takes (a condition over <c>c</c> with its
/// parameters, besides the workflow's own filter), and what it writes: the queued value, or the error value with
/// <see cref="Reason"/>.
/// </summary>
internal sealed record QueueOperation(string Name, string Condition, IReadOnlyList<FilterParameter> Parameters)
{
    /// <summary>The error text of a cancel; null for the operations that queue.</summary>
    public string? Reason { get; init; }

    /// <summary>Whether rows another transaction holds are passed over (reset stuck) rather than waited for.</summary>
    public bool SkipLocked { get; init; }

    /// <summary>The keys of a by-key operation, as the provider's type; run in chunks instead of keyset batches.</summary>
    public Array? Keys { get; init; }

    /// <summary>Whether the statement notifies the wake-up channel: every operation that queues.</summary>
    public bool Notify => Reason is null;
}
