namespace ScraperSky.Pipeline;

/// <summary>
/// Settings of the pipeline history (<c>AddPipelineHistory</c>): where the per-minute rollup and the failure groups
/// are stored and how long they are kept. Bound from <c>ScraperSky:History</c> unless another section is given.
/// </summary>
public sealed class PipelineHistoryOptions
{
    /// <summary>The schema's name unless configured otherwise: the library's own schema, shared with the cluster tables.</summary>
    public const string DefaultSchema = "scrapersky_pipeline";

    /// <summary>The retention unless configured otherwise: 14 days.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(14);

    /// <summary>The shortest retention allowed: 1 hour (the longest series step a dashboard shows within it).</summary>
    public static readonly TimeSpan MinRetention = TimeSpan.FromHours(1);

    /// <summary>The longest retention allowed: 3,650 days.</summary>
    public static readonly TimeSpan MaxRetention = TimeSpan.FromDays(3650);

    /// <summary>Gets or sets the schema that holds the history tables (<c>history_minutes</c>, <c>history_errors</c>).</summary>
    /// <value>Default <see cref="DefaultSchema"/> (<c>scrapersky_pipeline</c>); any PostgreSQL identifier, quoted as given.</value>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>Gets or sets how long minutes and failure groups are kept; one host per run deletes older rows, hourly.</summary>
    /// <value>Default 14 days (<see cref="DefaultRetention"/>); from 1 hour to 3,650 days.</value>
    public TimeSpan Retention { get; set; } = DefaultRetention;

    /// <summary>
    /// Gets or sets whether the host creates the schema and tables (idempotent DDL) before its first write. Turn it off
    /// when the application's role cannot create schemas, and run <see cref="PipelineHistoryScripts.Schema(string)"/> from
    /// a migration instead.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ApplySchema { get; set; } = true;

    /// <summary>Gets or sets the connection string of the database that holds the history.</summary>
    /// <value>Default <see langword="null"/>: the database of the first registered workflow's DbContext.</value>
    public string? ConnectionString { get; set; }
}
