namespace ScraperSky.Pipeline;

/// <summary>
/// What a processor decided for one item. Use the static members; the default value means <see cref="Completed"/>.
/// </summary>
/// <remarks>
/// Throwing from a processor is the same as <see cref="Retry(string, TimeSpan?)"/> with the exception message and the
/// workflow's back-off: in lease mode the item is queued again while attempts remain and ends as error after the last
/// one. <see cref="Failed(string)"/> ends it as error at once, whatever attempts remain. Atomic-batch mode has no
/// attempts: there a thrown exception, <see cref="Failed(string)"/> and <see cref="Retry(string, TimeSpan?)"/> all end
/// the item as error, and <see cref="Snooze(TimeSpan)"/> leaves it queued for a later run.
/// </remarks>
public readonly struct ItemResult : IEquatable<ItemResult>
{
    private ItemResult(ItemResultKind kind, string? reason, TimeSpan? delay)
    {
        Kind = kind;
        Reason = reason;
        Delay = delay;
    }

    /// <summary>Gets the result that marks the item with the workflow's completed status.</summary>
    public static ItemResult Completed => default;

    /// <summary>Gets what the processor decided.</summary>
    public ItemResultKind Kind { get; }

    /// <summary>Gets the error text written with a failure or a retry, or <see langword="null"/>.</summary>
    public string? Reason { get; }

    /// <summary>Gets the delay before the item may be claimed again (retry or snooze), or <see langword="null"/> for the workflow's back-off.</summary>
    public TimeSpan? Delay { get; }

    /// <summary>Creates a result that marks the item with the workflow's error status and <paramref name="reason"/> as its error text, with no further attempt.</summary>
    /// <param name="reason">A reason a person understands; written to the error-text column when one is configured.</param>
    /// <returns>The failure result.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is null or white space.</exception>
    public static ItemResult Failed(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new ItemResult(ItemResultKind.Failed, reason, null);
    }

    /// <summary>Creates a result that queues the item again (lease mode) while attempts remain, after <paramref name="delay"/> or the workflow's back-off.</summary>
    /// <param name="reason">Why this attempt failed; written to the error-text column.</param>
    /// <param name="delay">The delay before the next attempt; <see langword="null"/> uses the workflow's exponential back-off.</param>
    /// <returns>The retry result.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is null or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static ItemResult Retry(string reason, TimeSpan? delay = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (delay is { } d)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(d, TimeSpan.Zero, nameof(delay));
        }

        return new ItemResult(ItemResultKind.Retry, reason, delay);
    }

    /// <summary>Creates a result that queues the item again after <paramref name="delay"/> without using up an attempt.</summary>
    /// <param name="delay">The delay before the item may be claimed again.</param>
    /// <returns>The snooze result.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static ItemResult Snooze(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new ItemResult(ItemResultKind.Snooze, null, delay);
    }

    /// <inheritdoc />
    public bool Equals(ItemResult other) => Kind == other.Kind && Delay == other.Delay && string.Equals(Reason, other.Reason, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ItemResult other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Reason, Delay);

    /// <inheritdoc />
    public override string ToString() => (Reason, Delay) switch
    {
        (null, null) => Kind.ToString(),
        (null, { } delay) => $"{Kind} ({delay})",
        ({ } reason, null) => $"{Kind}: {reason}",
        ({ } reason, { } delay) => $"{Kind} ({delay}): {reason}",
    };

    /// <summary>Compares two results for equality.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns><see langword="true"/> when both have the same kind, reason and delay.</returns>
    public static bool operator ==(ItemResult left, ItemResult right) => left.Equals(right);

    /// <summary>Compares two results for inequality.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns><see langword="true"/> when the kinds, reasons or delays differ.</returns>
    public static bool operator !=(ItemResult left, ItemResult right) => !left.Equals(right);
}

/// <summary>The kinds of <see cref="ItemResult"/>.</summary>
public enum ItemResultKind
{
    /// <summary>The item is done: it gets the workflow's completed status.</summary>
    Completed = 0,

    /// <summary>The item failed for good: it gets the workflow's error status and the reason.</summary>
    Failed = 1,

    /// <summary>The attempt failed: the item is queued again while attempts remain (lease mode), else it ends as error.</summary>
    Retry = 2,

    /// <summary>The item is queued again after a delay, without using up an attempt.</summary>
    Snooze = 3,
}
