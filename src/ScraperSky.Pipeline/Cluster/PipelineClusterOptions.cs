namespace ScraperSky.Pipeline;

/// <summary>
/// The settings of the cluster services added with <c>services.AddPipelineCluster(…)</c>: where the library's own
/// schema lives, whether the host creates it, and how often a host sends its heartbeat and reads the pause flags.
/// Invalid values are rejected with an <see cref="ArgumentException"/> at the registration line.
/// </summary>
public sealed class PipelineClusterOptions
{
    /// <summary>The default <see cref="Schema"/>: <c>scrapersky_pipeline</c>.</summary>
    public const string DefaultSchema = Claiming.ClusterSql.DefaultSchema;

    /// <summary>The default <see cref="HeartbeatInterval"/>: 15 seconds.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>The default <see cref="PauseCheckInterval"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultPauseCheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="SlotLeaseDuration"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultSlotLeaseDuration = TimeSpan.FromMinutes(1);

    /// <summary>The default <see cref="RunKeyRetention"/>: 1 day.</summary>
    public static readonly TimeSpan DefaultRunKeyRetention = TimeSpan.FromDays(1);

    /// <summary>
    /// Gets or sets the Npgsql connection string of the database the hosts share. It may go through a transaction-mode
    /// pooler (PgBouncer, Supavisor): every statement of the cluster runs alone or in a short transaction.
    /// </summary>
    /// <value>
    /// Default <see langword="null"/>: the connection string of the first registered status workflow's <c>DbContext</c>.
    /// A host with scheduled jobs only must set it; the host does not start without one.
    /// </value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the schema of the cluster's tables; every host of a cluster must use the same one.</summary>
    /// <value>Default <see cref="DefaultSchema"/>; not empty or white space.</value>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>
    /// Gets or sets whether the host creates the schema and its tables at start-up when they are missing (idempotent
    /// DDL; hosts that start together take turns). Turn it off when the application's role cannot create schemas, and
    /// run <see cref="StatusWorkflowScripts.ClusterSchema"/> in a migration instead; the host then only checks the
    /// schema's version.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ApplySchema { get; set; } = true;

    /// <summary>
    /// Gets or sets how often the host records that it is alive (its heartbeat). Other hosts count it as not alive once
    /// three intervals passed without one.
    /// </summary>
    /// <value>Default <see cref="DefaultHeartbeatInterval"/> (15 seconds); at least one second, at most one hour.</value>
    public TimeSpan HeartbeatInterval { get; set; } = DefaultHeartbeatInterval;

    /// <summary>
    /// Gets or sets how often the host reads the cluster-wide pause flags (one query) and pauses or resumes its jobs to
    /// match: the longest a pause asked on another host takes to reach this one.
    /// </summary>
    /// <value>Default <see cref="DefaultPauseCheckInterval"/> (5 seconds); at least one second, at most one hour.</value>
    public TimeSpan PauseCheckInterval { get; set; } = DefaultPauseCheckInterval;

    /// <summary>
    /// Gets or sets how long a slot of <see cref="StatusWorkflowScheduleOptions.MaxHostsAtOnce"/> stays taken without
    /// renewal; a run renews its slot every third of this, so this is how long a crashed host's slot blocks others.
    /// </summary>
    /// <value>Default <see cref="DefaultSlotLeaseDuration"/> (1 minute); at least three seconds, at most one day.</value>
    public TimeSpan SlotLeaseDuration { get; set; } = DefaultSlotLeaseDuration;

    /// <summary>
    /// Gets or sets how long the run keys of once-per-cluster jobs are kept; a host that falls further behind than this
    /// (a stall longer than it, within a job's misfire grace time) could run a scheduled time again.
    /// </summary>
    /// <value>Default <see cref="DefaultRunKeyRetention"/> (1 day); at least one hour.</value>
    public TimeSpan RunKeyRetention { get; set; } = DefaultRunKeyRetention;
}
