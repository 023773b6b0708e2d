namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// Settings for <see cref="ThrowawayPostgres.StartAsync"/>. The defaults suit unit tests; the values are read once,
/// when the server starts.
/// </summary>
public sealed class ThrowawayPostgresOptions
{
    /// <summary>
    /// Whether the server keeps PostgreSQL's crash-safe defaults. Default <see langword="false"/>: the cluster is created
    /// with <c>initdb --no-sync</c> and runs with <c>fsync=off</c> and <c>full_page_writes=off</c>, which makes tests
    /// fast; <c>synchronous_commit</c> stays on, so an immediate <see cref="ThrowawayPostgres.RestartAsync"/> (a
    /// simulated server crash) keeps every acknowledged commit. Set <see langword="true"/> for benchmarks, so that
    /// commits cost what they cost in production.
    /// </summary>
    public bool Durable { get; set; }

    /// <summary>The server's <c>max_connections</c>. Default 200.</summary>
    public int MaxConnections { get; set; } = 200;

    /// <summary>
    /// Whether to install PostgreSQL when its server programs are missing. Default <see langword="true"/>: when the process
    /// runs as root on a machine with <c>apt-get</c>, it runs <c>apt-get update</c> and then
    /// <c>apt-get install -y postgresql</c>, saying so on standard error. Otherwise, or when this is
    /// <see langword="false"/>, <see cref="ThrowawayPostgres.StartAsync"/> throws <see cref="PostgresNotInstalledException"/>.
    /// </summary>
    public bool AutoInstall { get; set; } = true;

    /// <summary>
    /// Extra server settings, each passed as <c>-c name=value</c> after the built-in ones, so they override them
    /// (for example <c>shared_buffers</c> or <c>fsync</c>). Default <see langword="null"/>: none. Names may contain only
    /// letters, digits, underscores and dots.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ServerSettings { get; set; }

    /// <summary>
    /// The folder holding <c>initdb</c> and <c>pg_ctl</c>. Default <see langword="null"/>: found by
    /// <see cref="ThrowawayPostgres.FindBinDirectory"/>.
    /// </summary>
    public string? BinDirectory { get; set; }
}
