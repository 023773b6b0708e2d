using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

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
    private const string ClusterOwner = "postgres";
    private const string Superuser = "postgres";
    private const string LoopbackHost = "127.0.0.1";
    private const int PortAttempts = 5;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    // Several servers may start at once in one test run; only one of them should run apt-get.
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    // Serialises start, stop, restart and dispose; creating databases needs no such care.
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> _issuedConnectionStrings = new(StringComparer.Ordinal);
    private readonly EventHandler _onProcessExit;
    private readonly bool _durable;
    private readonly int _maxConnections;
    private readonly KeyValuePair<string, string>[] _serverSettings;
    private readonly bool _runAsClusterOwner;
    private readonly string _rootDirectory;
    private readonly string _socketDirectory;
    private readonly string _logFile;
    private Process? _watchdog;
    private volatile bool _disposed;

    private ThrowawayPostgres(ThrowawayPostgresOptions options, string binDirectory, string rootDirectory, bool runAsClusterOwner)
    {
        _durable = options.Durable;
        _maxConnections = options.MaxConnections;
        _serverSettings = options.ServerSettings?.ToArray() ?? [];
        BinDirectory = binDirectory;
        _rootDirectory = rootDirectory;
        _runAsClusterOwner = runAsClusterOwner;
        DataDirectory = Path.Combine(rootDirectory, "data");
        _socketDirectory = Path.Combine(rootDirectory, "socket");
        _logFile = Path.Combine(rootDirectory, "server.log");
        _onProcessExit = (_, _) => CleanUpAtProcessExit();
    }

    /// <summary>The host the server listens on: always <c>127.0.0.1</c>.</summary>
    public string Host => LoopbackHost;

    /// <summary>The TCP port the server listens on, picked free when it started; a restart keeps it.</summary>
    public int Port { get; private set; }

    /// <summary>The cluster's data directory (inside a temporary folder that disposing deletes).</summary>
    public string DataDirectory { get; }

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
    /// <exception cref="PostgresNotInstalledException">PostgreSQL's server programs are missing and were not installed.</exception>
    /// <exception cref="InvalidOperationException">A PostgreSQL tool failed; the message holds its output and the server log.</exception>
    /// <exception cref="PlatformNotSupportedException">On Windows.</exception>
    public static async Task<ThrowawayPostgres> StartAsync(ThrowawayPostgresOptions? options = null, CancellationToken ct = default)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("ThrowawayPostgres drives PostgreSQL's Unix tools (initdb, pg_ctl) and does not run on Windows.");
        }

        options ??= new ThrowawayPostgresOptions();
        ValidateOptions(options);
        string binDirectory = await ResolveBinDirectoryAsync(options, ct);
        bool runAsClusterOwner = Environment.IsPrivilegedProcess;
        string rootDirectory = CreateRootDirectory(runAsClusterOwner);
        var server = new ThrowawayPostgres(options, binDirectory, rootDirectory, runAsClusterOwner);
        try
        {
            await server.InitializeAsync(ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Finds the folder holding PostgreSQL's <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c>: the first <c>PATH</c> entry
    /// with an executable <c>initdb</c> and <c>pg_ctl</c>, else what <c>pg_config --bindir</c> reports, else the
    /// highest-numbered <c>/usr/lib/postgresql/*/bin</c> (Debian's layout).
    /// </summary>
    /// <returns>The folder, or <see langword="null"/> when PostgreSQL is not installed.</returns>
    public static string? FindBinDirectory() => SearchBinDirectory(searched: null);

    /// <summary>A connection string like <see cref="ConnectionString"/>, to another database on this server.</summary>
    /// <param name="database">The database's name.</param>
    /// <returns>The connection string.</returns>
    public string ConnectionStringFor(string database)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = LoopbackHost,
            Port = Port,
            Username = Superuser,
            Database = database,
            IncludeErrorDetail = true,
        };
        string connectionString = builder.ConnectionString;
        _issuedConnectionStrings.TryAdd(connectionString, 0);
        return connectionString;
    }

    /// <summary>Creates an empty database from <c>template0</c> and returns a connection string to it.</summary>
    /// <param name="name">
    /// The database's name: lowercase letters, digits and underscores, at most 63 characters. <see langword="null"/> picks a
    /// fresh unique name.
    /// </param>
    /// <param name="ct">Cancels the operation.</param>
    /// <returns>A connection string to the new database.</returns>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        name ??= "db_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        if (name.Length is 0 or > 63 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException($"Database name '{name}' must be 1-63 characters of a-z, 0-9 and _.", nameof(name));
        }

        await using (var connection = new NpgsqlConnection(AdminConnectionString()))
        {
            await connection.OpenAsync(ct);
            // The name was checked above, so quoting it is enough; identifiers cannot be bound as parameters.
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0", connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        return ConnectionStringFor(name);
    }

    /// <summary>
    /// Stops the server (<c>pg_ctl stop -m fast</c>: sessions are ended, then a clean shutdown). Calling it again, or after
    /// disposal, does nothing. <see cref="RestartAsync"/> starts it again.
    /// </summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct);
        try
        {
            if (!_disposed)
            {
                await StopServerAsync("fast", ct);
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
    public async Task RestartAsync(bool immediate = true, CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await StopServerAsync(immediate ? "immediate" : "fast", ct);
            if (!await TryStartServerAsync(ct))
            {
                throw new InvalidOperationException(
                    $"PostgreSQL could not restart: another process took port {Port} while the server was down.");
            }

            await VerifyConnectivityAsync(ct);
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
        await _lifecycle.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (await TryStopServerAsync("fast") is not null && await TryStopServerAsync("immediate") is { } failure)
            {
                Log($"Could not stop the PostgreSQL server in {DataDirectory}; its watchdog will stop it when this process exits. {failure}");
                return;
            }

            AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
            // The watchdog goes last: should we be killed half-way, it finishes the job.
            DeleteRootDirectory();
            KillWatchdog();
            ClearIssuedPools();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the server and deletes its folder; see <see cref="DisposeAsync"/>.</summary>
    public void Dispose() =>
        // Off the caller's synchronisation context, so blocking here cannot deadlock against our own continuations.
        Task.Run(async () => await DisposeAsync()).GetAwaiter().GetResult();

    private string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    private string PidFile => Path.Combine(DataDirectory, "postmaster.pid");

    private async Task InitializeAsync(CancellationToken ct)
    {
        // Both safety nets go up before anything can be left behind.
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
        StartWatchdog();

        if (_runAsClusterOwner)
        {
            (await ProcessRunner.RunAsync("chown", ["-R", $"{ClusterOwner}:{ClusterOwner}", _rootDirectory], ct: ct)).EnsureSuccess();
        }

        List<string> initdb = ["-D", DataDirectory, "-U", Superuser, "-A", "trust", "-E", "UTF8", "--no-locale"];
        if (!_durable)
        {
            initdb.Add("--no-sync");
        }

        (await RunAsClusterOwnerAsync(Path.Combine(BinDirectory, "initdb"), initdb, ct)).EnsureSuccess();

        // The port is free when we look but may be taken before the server binds it; then we simply try another.
        for (int attempt = 1; ; attempt++)
        {
            Port = PickFreePort();
            if (await TryStartServerAsync(ct))
            {
                break;
            }

            if (attempt == PortAttempts)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL did not start: the port it was given was taken by another process {PortAttempts} times in a row.");
            }
        }

        await VerifyConnectivityAsync(ct);
    }

    /// <summary>Starts the server on <see cref="Port"/>; false when that port was taken, throws on any other failure.</summary>
    private async Task<bool> TryStartServerAsync(CancellationToken ct)
    {
        await ClearStaleLockFileAsync(ct);
        long logStart = LogLength();
        // Not cancellable: killing pg_ctl would orphan a server that has not yet written postmaster.pid, and then nothing
        // could find it to stop it. pg_ctl's own -t bounds the wait.
        ProcessResult result = await RunAsClusterOwnerAsync(
            PgCtl,
            ["-D", DataDirectory, "-l", _logFile, "-w", "-t", "60", "-o", BuildServerOptions(), "start"],
            CancellationToken.None);
        if (result.Succeeded)
        {
            ct.ThrowIfCancellationRequested();
            return true;
        }

        // pg_ctl gives up waiting after -t seconds but leaves a slow server running; make sure none is.
        await TryStopServerAsync("immediate");
        string log = ReadLog(logStart);
        if (log.Contains("Address already in use", StringComparison.Ordinal))
        {
            return false;
        }

        throw new InvalidOperationException(
            result.Describe("PostgreSQL did not start") + Environment.NewLine + "--- server log (last lines) ---" + Environment.NewLine + Tail(log, 40));
    }

    private string BuildServerOptions()
    {
        // pg_ctl hands this string to /bin/sh, so every value is shell-quoted.
        List<string> words =
        [
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=" + LoopbackHost,
            "-k", _socketDirectory,
            "-c", "max_connections=" + _maxConnections.ToString(CultureInfo.InvariantCulture),
            "-c", "shared_buffers=128MB",
        ];
        if (!_durable)
        {
            // synchronous_commit stays on: with fsync off a commit only waits for the WAL to reach the OS cache,
            // which costs little, and an immediate restart (a simulated crash) then keeps every acknowledged commit.
            words.AddRange(["-c", "fsync=off", "-c", "full_page_writes=off"]);
        }

        foreach ((string name, string value) in _serverSettings)
        {
            words.AddRange(["-c", $"{name}={value}"]);
        }

        return ProcessRunner.ShellJoin(words);
    }

    /// <summary>Stops the server if one is running; throws when it cannot.</summary>
    private async Task StopServerAsync(string mode, CancellationToken ct)
    {
        if (ReadServerState() != ServerState.Running)
        {
            return;
        }

        // -W: pg_ctl only signals; we do the waiting, because pg_ctl's own wait mistakes a zombie for a live server.
        ProcessResult result = await RunAsClusterOwnerAsync(PgCtl, ["-D", DataDirectory, "-W", "stop", "-m", mode], ct);
        // A server that died by itself meanwhile (a chaos test may kill it) counts as stopped.
        if (!result.Succeeded && ReadServerState() == ServerState.Running)
        {
            result.EnsureSuccess();
        }

        var deadline = Stopwatch.StartNew();
        while (ReadServerState() == ServerState.Running)
        {
            if (deadline.Elapsed > StopTimeout)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL did not stop (-m {mode}) within {StopTimeout.TotalSeconds:0} s."
                    + Environment.NewLine + "--- server log (last lines) ---" + Environment.NewLine + Tail(ReadLog(0), 40));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }

    /// <summary>
    /// What <c>postmaster.pid</c> says, checked against the process table. pg_ctl and postgres take any PID that
    /// <c>kill(pid, 0)</c> accepts for a live server, zombies included, and a killed server stays a zombie until PID 1 reaps
    /// it, which some container inits do late or never: pg_ctl would then wait its full timeout for a dead server.
    /// </summary>
    private ServerState ReadServerState()
    {
        string? firstLine;
        try
        {
            firstLine = File.ReadLines(PidFile).FirstOrDefault();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ServerState.NotRunning;
        }

        // An empty or half-written file belongs to a server that is starting. A negative PID is a single-user server
        // (initdb's, when initdb was interrupted).
        if (!int.TryParse(firstLine, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int pid) || pid == 0)
        {
            return ServerState.Running;
        }

        if (!Directory.Exists("/proc/self"))
        {
            return ServerState.Running; // No procfs (macOS): leave the judgement to pg_ctl.
        }

        try
        {
            string stat = File.ReadAllText($"/proc/{Math.Abs(pid).ToString(CultureInfo.InvariantCulture)}/stat");
            // "pid (command) state ...": the command may itself hold parentheses, so look after the last one.
            int end = stat.LastIndexOf(')');
            bool zombie = end >= 0 && end + 2 < stat.Length && stat[end + 2] is 'Z' or 'X';
            return zombie ? ServerState.Zombie : ServerState.Running;
        }
        catch (IOException)
        {
            return ServerState.Gone;
        }
    }

    /// <summary>
    /// Before a start: postgres removes a lock file whose PID is gone by itself, but refuses to start over a zombie's. Give
    /// PID 1 a few seconds to reap it, then remove the lock file ourselves.
    /// </summary>
    private async Task ClearStaleLockFileAsync(CancellationToken ct)
    {
        for (int wait = 0; wait < 50 && ReadServerState() == ServerState.Zombie; wait++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        if (ReadServerState() == ServerState.Zombie)
        {
            File.Delete(PidFile);
        }
    }

    /// <summary>Stops the server if one is running; returns why it could not, or null on success.</summary>
    private async Task<string?> TryStopServerAsync(string mode)
    {
        try
        {
            await StopServerAsync(mode, CancellationToken.None);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    private async Task VerifyConnectivityAsync(CancellationToken ct)
    {
        const int attempts = 10;
        string connectionString = AdminConnectionString();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(ct);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
            {
                if (attempt == attempts)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL started on port {Port} but does not answer queries: {ex.Message}"
                        + Environment.NewLine + "--- server log (last lines) ---" + Environment.NewLine + Tail(ReadLog(0), 40),
                        ex);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }
        }
    }

    // Our own connections stay out of the pool: a pool keyed to a throwaway server only ever fills with dead sockets.
    private string AdminConnectionString() =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 5 }.ConnectionString;

    private void ClearIssuedPools()
    {
        // Idle pooled connections to a server that no longer exists are just dead sockets waiting to be pruned.
        foreach (string connectionString in _issuedConnectionStrings.Keys)
        {
            using var connection = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(connection);
        }
    }

    /// <summary>
    /// Starts a detached shell that waits for this process to end and then stops the cluster and deletes its folder, so
    /// that nothing is left behind even when this process is killed with SIGKILL and no handler of ours runs.
    /// </summary>
    private void StartWatchdog()
    {
        (string stopFile, List<string> stopArguments) = AsClusterOwner(PgCtl, ["-D", DataDirectory, "stop", "-m", "immediate"]);
        string pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        string root = ProcessRunner.ShellQuote(_rootDirectory);
        string data = ProcessRunner.ShellQuote(DataDirectory);
        string script = string.Join(
            '\n',
            "exec </dev/null >/dev/null 2>&1",
            // The wait runs as us, not as the cluster owner: `kill -0` from another user on a root process fails with EPERM.
            // A zombie passes `kill -0`, and a parent that never reaps us must not keep the cluster alive.
            $"while kill -0 {pid} 2>/dev/null; do case $(cat /proc/{pid}/stat 2>/dev/null) in *\") Z \"*) break;; esac; sleep 1; done",
            ProcessRunner.ShellJoin(stopArguments.Prepend(stopFile)),
            // Killed mid-start, we may leave an initdb or a starting server behind that the stop above missed. Every process
            // of the cluster works inside the folder (we start them there; the server moves into its data directory).
            // `test -ef` compares inodes without forking, which matters when scanning every process.
            $"for pass in 1 2; do for p in /proc/[0-9]*; do if [ \"$p/cwd\" -ef {root} ] || [ \"$p/cwd\" -ef {data} ]; then kill -9 \"${{p#/proc/}}\" 2>/dev/null; fi; done; sleep 0.2; done",
            "rm -rf " + root);

        // setsid puts it in its own session, so a Ctrl+C or hang-up aimed at our terminal does not take it down with us.
        string? setsid = ProcessRunner.FindOnPath("setsid");
        var startInfo = new ProcessStartInfo(setsid ?? "/bin/sh")
        {
            UseShellExecute = false,
            // Fresh pipes instead of our stdout/stderr: a test runner reading our output must not wait for the watchdog.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        if (setsid is not null)
        {
            startInfo.ArgumentList.Add("/bin/sh");
        }

        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(script);
        Process watchdog = Process.Start(startInfo)
            ?? throw new InvalidOperationException("Could not start the watchdog shell /bin/sh.");

        // The script's first line detaches it from those pipes; we never use them either.
        watchdog.StandardInput.Close();
        watchdog.StandardOutput.Close();
        watchdog.StandardError.Close();
        _watchdog = watchdog;
    }

    private void KillWatchdog()
    {
        Process? watchdog = Interlocked.Exchange(ref _watchdog, null);
        if (watchdog is not null)
        {
            ProcessRunner.TryKill(watchdog);
            watchdog.Dispose();
        }
    }

    /// <summary>Runs when the process exits without having disposed us: no time for a clean shutdown, so stop hard.</summary>
    private void CleanUpAtProcessExit()
    {
        try
        {
            if (ReadServerState() == ServerState.Running)
            {
                (string file, List<string> arguments) = AsClusterOwner(PgCtl, ["-D", DataDirectory, "-W", "stop", "-m", "immediate"]);
                ProcessRunner.Run(file, arguments, TimeSpan.FromSeconds(10), _rootDirectory);
                var deadline = Stopwatch.StartNew();
                while (ReadServerState() == ServerState.Running)
                {
                    if (deadline.Elapsed > TimeSpan.FromSeconds(10))
                    {
                        return; // Leave it to the watchdog, which runs once we are gone.
                    }

                    Thread.Sleep(50);
                }
            }

            // The watchdog goes last: a test host is sometimes killed while its exit handlers still run.
            DeleteRootDirectory();
            KillWatchdog();
        }
        catch (Exception ex)
        {
            // An exception escaping a ProcessExit handler crashes the exit; the watchdog still cleans up after us.
            Log($"Cleaning up the PostgreSQL server in {DataDirectory} at exit failed: {ex.Message}");
        }
    }

    private void DeleteRootDirectory()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(_rootDirectory))
                {
                    Directory.Delete(_rootDirectory, recursive: true);
                }

                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A server process that has not quite exited may still be writing its last files.
                if (attempt == 5)
                {
                    Log($"Could not delete {_rootDirectory}: {ex.Message}");
                    return;
                }

                Thread.Sleep(200);
            }
        }
    }

    private Task<ProcessResult> RunAsClusterOwnerAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        (string file, List<string> fullArguments) = AsClusterOwner(fileName, arguments);
        // Our own working directory (say /root) may be closed to the cluster owner, and PostgreSQL's tools complain.
        return ProcessRunner.RunAsync(file, fullArguments, _rootDirectory, ct: ct);
    }

    /// <summary>The command that runs a program as the cluster's owner: as is, or through runuser (or su) when we are root.</summary>
    private (string FileName, List<string> Arguments) AsClusterOwner(string fileName, IReadOnlyList<string> arguments)
    {
        if (!_runAsClusterOwner)
        {
            return (fileName, [.. arguments]);
        }

        if (ProcessRunner.FindOnPath("runuser") is { } runuser)
        {
            return (runuser, ["-u", ClusterOwner, "--", fileName, .. arguments]);
        }

        return (ProcessRunner.FindOnPath("su") ?? "su", [ClusterOwner, "-s", "/bin/sh", "-c", ProcessRunner.ShellJoin(arguments.Prepend(fileName))]);
    }

    private long LogLength()
    {
        try
        {
            return File.Exists(_logFile) ? new FileInfo(_logFile).Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private string ReadLog(long from)
    {
        try
        {
            using var stream = new FileStream(_logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"<could not read {_logFile}: {ex.Message}>";
        }
    }

    private static string Tail(string text, int lines)
    {
        string[] all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    private static int PickFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void ValidateOptions(ThrowawayPostgresOptions options)
    {
        if (options.MaxConnections < 1)
        {
            throw new ArgumentException($"MaxConnections must be at least 1, not {options.MaxConnections}.", nameof(options));
        }

        foreach (string name in options.ServerSettings?.Keys ?? Enumerable.Empty<string>())
        {
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
            {
                throw new ArgumentException($"Server setting name '{name}' may contain only letters, digits, '_' and '.'.", nameof(options));
            }
        }
    }

    /// <summary>
    /// Creates the temporary folder: <c>data/</c> (made by initdb), <c>socket/</c> and <c>server.log</c> go inside.
    /// </summary>
    private static string CreateRootDirectory(bool runAsClusterOwner)
    {
        string baseDirectory = Path.GetTempPath();
        // The cluster owner must be able to reach the folder, and a Unix socket path must fit in 107 bytes; /tmp does both.
        string probe = Path.Combine(baseDirectory, "scrapersky-pg-000000000000", "socket", ".s.PGSQL.65535");
        if (Encoding.UTF8.GetByteCount(probe) > 107 || (runAsClusterOwner && !OthersCanTraverse(baseDirectory)))
        {
            baseDirectory = "/tmp";
        }

        string root;
        do
        {
            root = Path.Combine(baseDirectory, "scrapersky-pg-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        }
        while (Path.Exists(root));

        // Default mode (0777 less the umask, so normally 0755): traversable by the cluster owner before the chown.
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(Path.Combine(root, "socket"));
        return root;
    }

    private static bool OthersCanTraverse(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        for (DirectoryInfo? current = new(Path.GetFullPath(directory)); current is not null; current = current.Parent)
        {
            if (!current.Exists || (current.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static string? SearchBinDirectory(List<string>? searched)
    {
        foreach (string directory in ProcessRunner.PathEntries())
        {
            if (HasServerTools(directory))
            {
                return directory;
            }
        }

        searched?.Add("the PATH");

        if (ProcessRunner.FindOnPath("pg_config") is { } pgConfig)
        {
            // Debian's pg_config may name /usr/lib/postgresql/NN/bin for a version whose server package is not installed.
            ProcessResult result = ProcessRunner.Run(pgConfig, ["--bindir"], TimeSpan.FromSeconds(10));
            string reported = result.StandardOutput.Trim();
            if (result.Succeeded && reported.Length > 0 && HasServerTools(reported))
            {
                return reported;
            }

            searched?.Add($"`{pgConfig} --bindir` ({(reported.Length > 0 ? reported : "no answer")})");
        }

        const string debianRoot = "/usr/lib/postgresql";
        searched?.Add(debianRoot + "/*/bin");
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.EnumerateDirectories(debianRoot)
            .Select(directory => (Bin: Path.Combine(directory, "bin"), Version: ParseVersion(Path.GetFileName(directory))))
            .Where(candidate => candidate.Version is not null && HasServerTools(candidate.Bin))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Bin)
            .FirstOrDefault();
    }

    // Folder names are "15" or, before PostgreSQL 10, "9.6"; Version.TryParse wants at least two parts.
    private static Version? ParseVersion(string name) =>
        Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out Version? version) ? version : null;

    private static bool HasServerTools(string directory) =>
        ProcessRunner.IsExecutableFile(Path.Combine(directory, "initdb"))
        && ProcessRunner.IsExecutableFile(Path.Combine(directory, "pg_ctl"));

    private static async Task<string> ResolveBinDirectoryAsync(ThrowawayPostgresOptions options, CancellationToken ct)
    {
        if (options.BinDirectory is { } configured)
        {
            string full = Path.GetFullPath(configured);
            return HasServerTools(full)
                ? full
                : throw new PostgresNotInstalledException(PostgresNotInstalledException.BuildMessage(
                    $"ThrowawayPostgresOptions.BinDirectory is {full}, which holds no executable initdb and pg_ctl."));
        }

        var searched = new List<string>();
        if (SearchBinDirectory(searched) is { } found)
        {
            return found;
        }

        string where = $"Searched {string.Join(", ", searched)}.";
        string? aptGet = ProcessRunner.FindOnPath("apt-get");
        if (!options.AutoInstall || !Environment.IsPrivilegedProcess || aptGet is null)
        {
            string why = !options.AutoInstall ? "ThrowawayPostgresOptions.AutoInstall is off."
                : !Environment.IsPrivilegedProcess ? "Installing it automatically needs root."
                : "Installing it automatically needs apt-get.";
            throw new PostgresNotInstalledException(PostgresNotInstalledException.BuildMessage($"{where} {why}"));
        }

        await InstallGate.WaitAsync(ct);
        try
        {
            // Another server in this process may have installed it while we waited.
            if (SearchBinDirectory(searched: null) is { } installedMeanwhile)
            {
                return installedMeanwhile;
            }

            var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            // Another process may hold apt's locks (say, a parallel test run installing the same thing): wait, do not fail.
            string[] lockWait = ["-o", "DPkg::Lock::Timeout=300"];
            string[][] steps = [["update", .. lockWait], ["install", "-y", .. lockWait, "postgresql"]];
            foreach (string[] arguments in steps)
            {
                string commandLine = ProcessRunner.ShellJoin(arguments.Prepend(aptGet));
                Log($"PostgreSQL is not installed; running: {commandLine}");
                ProcessResult result = await ProcessRunner.RunAsync(aptGet, arguments, environment: environment, ct: ct);
                if (!result.Succeeded)
                {
                    throw new PostgresNotInstalledException(
                        PostgresNotInstalledException.BuildMessage($"{where} Installing it automatically failed."),
                        new InvalidOperationException(result.Describe("Command failed")));
                }
            }

            string binDirectory = SearchBinDirectory(searched: null)
                ?? throw new PostgresNotInstalledException(PostgresNotInstalledException.BuildMessage(
                    "apt-get install -y postgresql succeeded, yet initdb and pg_ctl are still nowhere to be found."));
            Log($"Installed PostgreSQL; using {binDirectory}.");
            return binDirectory;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private enum ServerState
    {
        /// <summary>No postmaster.pid: nothing to stop.</summary>
        NotRunning,

        /// <summary>postmaster.pid names a live process (or one we cannot check).</summary>
        Running,

        /// <summary>postmaster.pid names a process that died without removing it.</summary>
        Gone,

        /// <summary>postmaster.pid names a dead process that its parent has not reaped yet.</summary>
        Zombie,
    }

    private static void Log(string message) => Console.Error.WriteLine($"[ScraperSky.Pipeline.Testing] {message}");
}
