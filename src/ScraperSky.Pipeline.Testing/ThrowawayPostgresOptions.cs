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
    /// Whether <see cref="ThrowawayPostgres.StartAsync"/> may install PostgreSQL's server package when its programs are
    /// missing. Default <see langword="false"/>: it never changes the machine and throws
    /// <see cref="PostgresNotInstalledException"/>, whose message says what to install. Set <see langword="true"/> in a
    /// disposable environment (a CI container, a development VM) to let it run <c>apt-get update</c> and then
    /// <c>apt-get install -y postgresql</c>, saying so on standard error; that needs root and <c>apt-get</c> (Debian,
    /// Ubuntu), otherwise it throws <see cref="PostgresNotInstalledException"/> all the same.
    /// </summary>
    public bool InstallServerIfMissing { get; set; }

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

    /// <summary>Checks the values that <see cref="ThrowawayPostgres.StartAsync"/> would otherwise pass to the server.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    internal void Validate()
    {
        if (MaxConnections < 1)
        {
            throw new ArgumentException($"MaxConnections must be at least 1, not {MaxConnections}.", "options");
        }

        foreach (string name in ServerSettings?.Keys ?? Enumerable.Empty<string>())
        {
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
            {
                throw new ArgumentException($"Server setting name '{name}' may contain only letters, digits, '_' and '.'.", "options");
            }
        }
    }
}
