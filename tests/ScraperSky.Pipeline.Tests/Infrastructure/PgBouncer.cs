using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>
/// A PgBouncer in transaction mode on a free loopback port, in front of one database, for the pooler tests: the seeds run
/// behind Supavisor, which pools the same way. Debian's <c>pgbouncer</c> is installed when missing and we are root;
/// it runs as the <c>postgres</c> user then, because it refuses to run as root. Disposing stops it and deletes its folder.
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    private const string RunAsUser = "postgres";
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private readonly Process _process;
    private readonly Process? _watchdog;
    private readonly string _directory;

    private PgBouncer(Process process, Process? watchdog, string directory, string connectionString)
    {
        _process = process;
        _watchdog = watchdog;
        _directory = directory;
        ConnectionString = connectionString;
    }

    /// <summary>
    /// Gets a connection string through the pooler with the settings Npgsql needs behind a transaction pooler: no
    /// <c>DISCARD ALL</c> on returning a connection (the pooler resets server connections itself, and a session reset
    /// would hit whichever client shares that server connection next) and no automatic preparation (PgBouncer before
    /// 1.21 cannot route named prepared statements); unnamed statements of the extended protocol work.
    /// </summary>
    public string ConnectionString { get; }

    /// <summary>Starts a pooler in transaction mode with <paramref name="serverConnections"/> server connections per database.</summary>
    public static async Task<PgBouncer> StartAsync(string databaseConnectionString, int serverConnections = 4)
    {
        var binary = await FindOrInstallAsync();
        var target = new NpgsqlConnectionStringBuilder(databaseConnectionString);
        var asRoot = Environment.IsPrivilegedProcess;
        var directory = Path.Combine("/tmp", "scrapersky-pgbouncer-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var serverPassword = string.IsNullOrEmpty(target.Password) ? string.Empty : $" password={target.Password}";
        var ini = $"""
            [databases]
            {target.Database} = host={target.Host} port={target.Port} dbname={target.Database} user={target.Username}{serverPassword}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = trust
            auth_file = {directory}/users.txt
            pool_mode = transaction
            default_pool_size = {serverConnections}
            max_client_conn = 200
            ignore_startup_parameters = extra_float_digits,search_path,options
            logfile = {directory}/pgbouncer.log
            pidfile = {directory}/pgbouncer.pid
            """;
        await File.WriteAllTextAsync(Path.Combine(directory, "pgbouncer.ini"), ini);
        // Trust still wants the user listed.
        await File.WriteAllTextAsync(Path.Combine(directory, "users.txt"), $"\"{target.Username}\" \"\"\n");
        if (asRoot)
        {
            await RunAsync("chown", ["-R", RunAsUser, directory]);
        }

        var start = new ProcessStartInfo(asRoot ? "runuser" : binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in asRoot ? ["-u", RunAsUser, "--", binary, Path.Combine(directory, "pgbouncer.ini")] : new[] { Path.Combine(directory, "pgbouncer.ini") })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("pgbouncer did not start.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var watchdog = StartWatchdog(process.Id, directory);
        var bouncer = new PgBouncer(
            process,
            watchdog,
            directory,
            new NpgsqlConnectionStringBuilder(databaseConnectionString)
            {
                Port = port,
                NoResetOnClose = true,
                MaxAutoPrepare = 0,
                Password = null,
            }.ConnectionString);
        try
        {
            await bouncer.WaitUntilListeningAsync(port);
            return bouncer;
        }
        catch
        {
            await bouncer.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // pgbouncer runs under runuser when we are root; the whole tree goes.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        try
        {
            _watchdog?.Kill();
        }
        catch (InvalidOperationException)
        {
        }

        _watchdog?.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>The pooler's log, for failure messages.</summary>
    public string ReadLog()
    {
        var path = Path.Combine(_directory, "pgbouncer.log");
        return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
    }

    private async Task WaitUntilListeningAsync(int port)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        for (var attempt = 0; attempt < 100 && await tick.WaitForNextTickAsync(); attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"pgbouncer exited with code {_process.ExitCode}: {ReadLog()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                // Not listening yet: try again on the next tick.
            }
        }

        throw new InvalidOperationException($"pgbouncer did not listen on port {port} within 10 s: {ReadLog()}");
    }

    private static async Task<string> FindOrInstallAsync()
    {
        string[] candidates = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"];
        if (candidates.FirstOrDefault(File.Exists) is { } found)
        {
            return found;
        }

        if (!Environment.IsPrivilegedProcess || !File.Exists("/usr/bin/apt-get"))
        {
            throw new InvalidOperationException("The pooler tests need PgBouncer: install Debian's package (`apt-get install -y pgbouncer`) or put pgbouncer in /usr/sbin.");
        }

        await InstallGate.WaitAsync();
        try
        {
            if (candidates.FirstOrDefault(File.Exists) is { } installed)
            {
                return installed;
            }

            await Console.Error.WriteLineAsync("PgBouncer is missing; installing it with apt-get install -y pgbouncer");
            if (await RunAsync("apt-get", ["install", "-y", "pgbouncer"]) != 0)
            {
                await RunAsync("apt-get", ["update"]);
                await RunAsync("apt-get", ["install", "-y", "pgbouncer"]);
            }

            return candidates.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("apt-get install -y pgbouncer did not install /usr/sbin/pgbouncer.");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Stops the pooler when this process dies without disposing it (a killed test host).</summary>
    private static Process? StartWatchdog(int pooler, string directory)
    {
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var script = $"exec </dev/null >/dev/null 2>&1; while kill -0 {self} 2>/dev/null; do sleep 1; done; kill -9 {pooler.ToString(CultureInfo.InvariantCulture)}; pkill -9 -F '{directory}/pgbouncer.pid'; rm -rf '{directory}'";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "/bin/sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // No setsid: disposing is then the only clean-up.
        }
    }

    private static async Task<int> RunAsync(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await Task.WhenAll(output, errors);
        return process.ExitCode;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
