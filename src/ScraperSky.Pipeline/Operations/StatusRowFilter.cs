namespace ScraperSky.Pipeline;

/// <summary>
/// Which rows of a status workflow an operation or a listing covers, in terms every workflow understands: its
/// status roles, a key, its error text and its updated-at time. The workflow's own <c>Where</c> filter always applies
/// as well. All criteria given must match; an empty filter matches every row of the workflow.
/// </summary>
public sealed record StatusRowFilter
{
    /// <summary>Gets the statuses to include, or <see langword="null"/> for all four.</summary>
    public IReadOnlyList<StatusRole>? Statuses { get; init; }

    /// <summary>Gets the key of one row, as text (converted to the key's type; a key that does not convert matches nothing).</summary>
    public string? Key { get; init; }

    /// <summary>Gets text the error column must contain (case-insensitive), or <see langword="null"/>.</summary>
    public string? ErrorContains { get; init; }

    /// <summary>Gets the earliest updated-at time to include (inclusive); needs the workflow's <c>UpdatedAt</c> column.</summary>
    public DateTimeOffset? UpdatedFrom { get; init; }

    /// <summary>Gets the latest updated-at time to include (exclusive); needs the workflow's <c>UpdatedAt</c> column.</summary>
    public DateTimeOffset? UpdatedBefore { get; init; }

    /// <summary>Gets a filter for every row in the given statuses.</summary>
    /// <param name="statuses">The statuses to include.</param>
    /// <returns>The filter.</returns>
    public static StatusRowFilter InStatus(params StatusRole[] statuses) => new() { Statuses = statuses };
}
