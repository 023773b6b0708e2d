namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// A PostgreSQL server of its own for tests, demos, benchmarks and chaos harnesses: a fresh cluster in a temporary folder,
/// listening on a free loopback port, with the <c>postgres</c> superuser and no password. Disposing it stops the server and
/// deletes the folder; if the process dies first, an exit handler and a watchdog process stop and delete it instead.
/// </summary>
/// <remarks>
/// Linux (and other Unix systems with PostgreSQL's tools) only. When the process runs as root, the cluster belongs to the
/// <c>postgres</c> operating-system user, because <c>initdb</c> and <c>postgres</c> refuse to run as root.
/// </remarks>
public sealed class ThrowawayPostgres : IAsyncDisposable, IDisposable
{
    // Serialises start, stop, restart and dispose; creating databases needs no such care.
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly EventHandler _onProcessExit;
    private readonly ClusterFolder _folder;
    private readonly ClusterUser _user;
    private readonly ServerProcess _server;
    private readonly ServerConnections _connections;
    private ClusterWatchdog? _watchdog;
    private volatile bool _disposed;

    private ThrowawayPostgres(ClusterConfiguration configuration, string binDirectory, ClusterFolder folder, ClusterUser user)
    {
        BinDirectory = binDirectory;
        _folder = folder;
        _user = user;
        _server = new ServerProcess(binDirectory, folder, user, configuration);
        _connections = new ServerConnections(_server);
        _onProcessExit = (_, _) => CleanUpAtProcessExit();
    }

    /// <summary>The host the server listens on: always <c>127.0.0.1</c>.</summary>
    public string Host => ServerConnections.Host;

    /// <summary>The TCP port the server listens on, picked free when it started; a restart keeps it.</summary>
    public int Port => _server.Port;

    /// <summary>The cluster's data directory (inside a temporary folder that disposing deletes).</summary>
    public string DataDirectory => _folder.DataDirectory;

    /// <summary>The folder holding the <c>initdb</c> and <c>pg_ctl</c> programs that run this server.</summary>
    public string BinDirectory { get; }

    /// <summary>
    /// A connection string to the <c>postgres</c> database as the <c>postgres</c> superuser (no password needed), e.g.
    /// <c>Host=127.0.0.1;Port=54321;Username=postgres;Database=postgres;Include Error Detail=True</c>.
    /// </summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    /// <summary>Starts a new throwaway server and waits until it accepts connections.</summary>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="ct">Cancels the start; whatever was started is then stopped and deleted.</param>
    /// <returns>The running server; dispose it to stop it and delete its files.</returns>
    /// <exception cref="PostgresNotInstalledException">
    /// PostgreSQL's server programs are missing and were not installed (installing is off unless
    /// <see cref="ThrowawayPostgresOptions.InstallServerIfMissing"/> is set).
    /// </exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">A PostgreSQL tool failed; the message holds its output and the server log.</exception>
    /// <exception cref="PlatformNotSupportedException">On Windows.</exception>
    public static async Task<ThrowawayPostgres> StartAsync(ThrowawayPostgresOptions? options = null, CancellationToken ct = default)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("ThrowawayPostgres drives PostgreSQL's Unix tools (initdb, pg_ctl) and does not run on Windows.");
        }

        options ??= new ThrowawayPostgresOptions();
        options.Validate();
        string binDirectory = await PostgresLocator.FromEnvironment().ResolveAsync(options, ct).ConfigureAwait(false);
        bool switchUser = Environment.IsPrivilegedProcess;
        var folder = ClusterFolder.Create(reachableByOthers: switchUser);
        var configuration = new ClusterConfiguration(options);
        var postgres = new ThrowawayPostgres(configuration, binDirectory, folder, new ClusterUser(switchUser, folder.Root));
        try
        {
            // Both safety nets go up before anything can be left behind.
            AppDomain.CurrentDomain.ProcessExit += postgres._onProcessExit;
            postgres._watchdog = ClusterWatchdog.Start(folder, postgres._user, postgres._server.PgCtl);
            await configuration.InitializeAsync(postgres._user, folder, binDirectory, ct).ConfigureAwait(false);
            await postgres._server.StartOnFreePortAsync(ct).ConfigureAwait(false);
            await postgres._connections.VerifyAsync(folder, ct).ConfigureAwait(false);
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Finds the folder holding PostgreSQL's <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c>: the first <c>PATH</c> entry
    /// with an executable <c>initdb</c> and <c>pg_ctl</c>, else what <c>pg_config --bindir</c> reports, else the
    /// highest-numbered <c>/usr/lib/postgresql/*/bin</c> (Debian's layout). Never installs anything.
    /// </summary>
    /// <returns>The folder, or <see langword="null"/> when PostgreSQL is not installed.</returns>
    public static string? FindBinDirectory() => PostgresLocator.FromEnvironment().Find();

    /// <summary>A connection string like <see cref="ConnectionString"/>, to another database on this server.</summary>
    /// <param name="database">The database's name.</param>
    /// <returns>The connection string.</returns>
    /// <exception cref="ArgumentException"><paramref name="database"/> is null or empty.</exception>
    public string ConnectionStringFor(string database)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        return _connections.For(database);
    }

    /// <summary>Creates an empty database from <c>template0</c> and returns a connection string to it.</summary>
    /// <param name="name">
    /// The database's name: lowercase letters, digits and underscores, at most 63 characters. <see langword="null"/> picks a
    /// fresh unique name.
    /// </param>
    /// <param name="ct">Cancels the operation.</param>
    /// <returns>A connection string to the new database.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> breaks the rule above.</exception>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    public Task<string> CreateDatabaseAsync(string? name = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _connections.CreateDatabaseAsync(name, ct);
    }

    /// <summary>
    /// Stops the server (<c>pg_ctl stop -m fast</c>: sessions are ended, then a clean shutdown). Calling it again, or after
    /// disposal, does nothing. <see cref="RestartAsync"/> starts it again.
    /// </summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>A task that completes when the server has stopped.</returns>
    /// <exception cref="InvalidOperationException">The server did not stop.</exception>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_disposed)
            {
                await _server.StopAsync("fast", ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops the server and starts it again on the same port and data directory, then waits until it accepts connections.
    /// With <paramref name="immediate"/> the stop is <c>pg_ctl stop -m immediate</c>, which behaves like a crash: the server
    /// runs crash recovery on the way up. Connections open at the time (including idle ones in Npgsql's pool) are broken,
    /// as they would be in production; <c>NpgsqlConnection.ClearAllPools()</c> discards the pooled ones. Unless the server
    /// is <see cref="ThrowawayPostgresOptions.Durable"/>, the last fraction of a second of commits may be lost: see there.
    /// </summary>
    /// <param name="immediate">
    /// <see langword="true"/> (the default) to stop like a crash; <see langword="false"/> for a clean, fast shutdown.
    /// </param>
    /// <param name="ct">Cancels the operation.</param>
    /// <returns>A task that completes when the server accepts connections again.</returns>
    /// <exception cref="ObjectDisposedException">The server was disposed.</exception>
    /// <exception cref="InvalidOperationException">The server did not stop, or did not start again.</exception>
    public async Task RestartAsync(bool immediate = true, CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await _server.RestartAsync(immediate ? "immediate" : "fast", ct).ConfigureAwait(false);
            await _connections.VerifyAsync(_folder, ct).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops the server and deletes its folder. Calling it again does nothing. If the server cannot be stopped, this says so
    /// on standard error and leaves the watchdog to stop it when the process exits.
    /// </summary>
    /// <returns>A task that completes when the server is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (await _server.TryStopAsync("fast").ConfigureAwait(false) is not null
                && await _server.TryStopAsync("immediate").ConfigureAwait(false) is { } failure)
            {
                ConsoleLog.Write($"Could not stop the PostgreSQL server in {DataDirectory}; its watchdog will stop it when this process exits. {failure}");
                return;
            }

            AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
            // The watchdog goes last: should we be killed half-way, it finishes the job.
            _folder.Delete();
            _watchdog?.Dispose();
            _connections.ClearIssuedPools();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the server and deletes its folder; see <see cref="DisposeAsync"/>.</summary>
    public void Dispose() =>
        // Off the caller's synchronisation context, so blocking here cannot deadlock against our own continuations.
        Task.Run(() => DisposeAsync().AsTask()).GetAwaiter().GetResult();

    /// <summary>Runs when the process exits without having disposed us: no time for a clean shutdown, so stop hard.</summary>
    private void CleanUpAtProcessExit()
    {
        try
        {
            if (!_server.StopAtExit())
            {
                return; // Leave it to the watchdog, which runs once we are gone.
            }

            // The watchdog goes last: a test host is sometimes killed while its exit handlers still run.
            _folder.Delete();
            _watchdog?.Dispose();
        }
        catch (Exception ex)
        {
            // An exception escaping a ProcessExit handler crashes the exit; the watchdog still cleans up after us.
            ConsoleLog.Write($"Cleaning up the PostgreSQL server in {DataDirectory} at exit failed: {ex.Message}");
        }
    }
}
