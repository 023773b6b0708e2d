namespace ScraperSky.Pipeline;

/// <summary>A page of a workflow's rows from <see cref="IPipelineCatalog.GetRowsAsync"/>.</summary>
/// <param name="Rows">The rows, in key order.</param>
/// <param name="Next">The value to pass as <c>after</c> for the next page, or <see langword="null"/> on the last page.</param>
public sealed record StatusRowPage(IReadOnlyList<StatusRow> Rows, string? Next);

/// <summary>One row of a workflow as the catalog shows it: only the columns the workflow itself maps.</summary>
public sealed record StatusRow
{
    /// <summary>Gets the row's key, as text.</summary>
    public required string Key { get; init; }

    /// <summary>Gets the row's status role, or <see langword="null"/> when its value is none of the workflow's four.</summary>
    public StatusRole? Status { get; init; }

    /// <summary>Gets the status value, as text.</summary>
    public required string StatusValue { get; init; }

    /// <summary>Gets the error text, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the attempts counter (lease mode), or <see langword="null"/>.</summary>
    public int? Attempts { get; init; }

    /// <summary>Gets the updated-at time, or <see langword="null"/>.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Gets the next attempt time, or <see langword="null"/>.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Gets the lease expiry (lease mode), or <see langword="null"/>.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }
}
