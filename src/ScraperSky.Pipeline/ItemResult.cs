namespace ScraperSky.Pipeline;

/// <summary>
/// What a processor decided for one item. Use the static members; the default value means <see cref="Completed"/>.
/// </summary>
public readonly struct ItemResult : IEquatable<ItemResult>
{
    private ItemResult(ItemResultKind kind, string? reason)
    {
        Kind = kind;
        Reason = reason;
    }

    /// <summary>Gets the result that marks the item with the workflow's completed status.</summary>
    public static ItemResult Completed => default;

    /// <summary>Gets what the processor decided.</summary>
    public ItemResultKind Kind { get; }

    /// <summary>Gets the error text written with a failure, or <see langword="null"/>.</summary>
    public string? Reason { get; }

    /// <summary>Creates a result that marks the item with the workflow's error status and <paramref name="reason"/> as its error text.</summary>
    /// <param name="reason">A reason a person understands; written to the error-text column when one is configured.</param>
    /// <returns>The failure result.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is null or white space.</exception>
    public static ItemResult Failed(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new ItemResult(ItemResultKind.Failed, reason);
    }

    /// <inheritdoc />
    public bool Equals(ItemResult other) => Kind == other.Kind && string.Equals(Reason, other.Reason, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ItemResult other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Reason);

    /// <inheritdoc />
    public override string ToString() => Reason is null ? Kind.ToString() : $"{Kind}: {Reason}";

    /// <summary>Compares two results for equality.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns><see langword="true"/> when both have the same kind and reason.</returns>
    public static bool operator ==(ItemResult left, ItemResult right) => left.Equals(right);

    /// <summary>Compares two results for inequality.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns><see langword="true"/> when the kinds or reasons differ.</returns>
    public static bool operator !=(ItemResult left, ItemResult right) => !left.Equals(right);
}

/// <summary>The kinds of <see cref="ItemResult"/>.</summary>
public enum ItemResultKind
{
    /// <summary>The item is done: it gets the workflow's completed status.</summary>
    Completed = 0,

    /// <summary>The item failed for good: it gets the workflow's error status and the reason.</summary>
    Failed = 1,
}
