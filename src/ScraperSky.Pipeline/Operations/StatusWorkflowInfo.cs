namespace ScraperSky.Pipeline;

/// <summary>One status workflow as the catalog describes it.</summary>
public sealed record StatusWorkflowInfo
{
    /// <summary>Gets the workflow's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the id of the scheduler job that runs the workflow (its own, or its group's).</summary>
    public required string JobId { get; init; }

    /// <summary>Gets the table, as PostgreSQL names it (schema-qualified when not in the search path's first schema).</summary>
    public required string Table { get; init; }

    /// <summary>Gets the key column.</summary>
    public required string KeyColumn { get; init; }

    /// <summary>Gets the status column.</summary>
    public required string StatusColumn { get; init; }

    /// <summary>Gets the value stored for each status role, as text.</summary>
    public required IReadOnlyDictionary<StatusRole, string> Values { get; init; }

    /// <summary>Gets the entity's CLR type.</summary>
    public required Type EntityType { get; init; }

    /// <summary>Gets how the workflow claims rows.</summary>
    public required ClaimMode Mode { get; init; }

    /// <summary>Gets whether this host runs the workflow (a disabled workflow can still be queued and counted).</summary>
    public required bool Enabled { get; init; }

    /// <summary>Gets the time between two scheduled runs.</summary>
    public required TimeSpan Interval { get; init; }

    /// <summary>Gets the cron expression that schedules the workflow instead of <see cref="Interval"/>, or <see langword="null"/>.</summary>
    public string? Cron { get; init; }

    /// <summary>Gets whether the workflow has an error column.</summary>
    public required bool HasErrorColumn { get; init; }

    /// <summary>Gets whether the workflow has an updated-at column (needed for time filters and the age of the oldest queued row).</summary>
    public required bool HasUpdatedAt { get; init; }

    /// <summary>Gets the workflow's effective settings as configuration paths and values, with where each came from.</summary>
    public required IReadOnlyList<StatusWorkflowSetting> Settings { get; init; }
}

/// <summary>One effective setting of a workflow, as logged at start-up.</summary>
/// <param name="Path">The setting's configuration path relative to the workflow's section, such as <c>Batch:Size</c>.</param>
/// <param name="Value">The value, as text (connection strings are not shown).</param>
/// <param name="Source">Where it came from: <c>default</c>, <c>code</c>, a configuration key or an environment variable.</param>
public sealed record StatusWorkflowSetting(string Path, string Value, string Source);
