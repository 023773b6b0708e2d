using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// The lifetime of a cluster's server process: starting it on a free port with <c>pg_ctl</c>, stopping it (also from a
/// process-exit handler), and reading whether it runs from <c>postmaster.pid</c> and the process table.
/// </summary>
internal sealed class ServerProcess
{
    private const int PortAttempts = 5;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitStopTimeout = TimeSpan.FromSeconds(10);

    private readonly ClusterFolder _folder;
    private readonly ClusterUser _user;
    private readonly ClusterConfiguration _configuration;

    /// <summary>Creates the (not yet started) server of the cluster in <paramref name="folder"/>.</summary>
    public ServerProcess(string binDirectory, ClusterFolder folder, ClusterUser user, ClusterConfiguration configuration)
    {
        PgCtl = Path.Combine(binDirectory, "pg_ctl");
        _folder = folder;
        _user = user;
        _configuration = configuration;
    }

    /// <summary>The path of <c>pg_ctl</c>.</summary>
    public string PgCtl { get; }

    /// <summary>The port the server listens on; picked by <see cref="StartOnFreePortAsync"/>, kept by restarts.</summary>
    public int Port { get; private set; }

    /// <summary>Starts the server on a free port, trying another when the one picked is taken before the server binds it.</summary>
    /// <exception cref="InvalidOperationException">The server did not start; the message holds pg_ctl's output and the log.</exception>
    public async Task StartOnFreePortAsync(CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            Port = PickFreePort();
            if (await TryStartAsync(ct).ConfigureAwait(false))
            {
                return;
            }

            if (attempt == PortAttempts)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL did not start: the port it was given was taken by another process {PortAttempts} times in a row.");
            }
        }
    }

    /// <summary>Stops the server (<c>-m fast</c> or <c>-m immediate</c>) and starts it again on the same port.</summary>
    /// <exception cref="InvalidOperationException">It did not stop, or did not start again.</exception>
    public async Task RestartAsync(string stopMode, CancellationToken ct)
    {
        await StopAsync(stopMode, ct).ConfigureAwait(false);
        if (!await TryStartAsync(ct).ConfigureAwait(false))
        {
            throw new InvalidOperationException(
                $"PostgreSQL could not restart: another process took port {Port} while the server was down.");
        }
    }

    /// <summary>Stops the server if one is running (<paramref name="mode"/> is <c>fast</c> or <c>immediate</c>).</summary>
    /// <exception cref="InvalidOperationException">It could not be stopped.</exception>
    public async Task StopAsync(string mode, CancellationToken ct)
    {
        if (ReadState() != ServerState.Running)
        {
            return;
        }

        // -W: pg_ctl only signals; we do the waiting, because pg_ctl's own wait mistakes a zombie for a live server.
        ProcessResult result = await _user.RunAsync(PgCtl, ["-D", _folder.DataDirectory, "-W", "stop", "-m", mode], ct).ConfigureAwait(false);
        // A server that died by itself meanwhile (a chaos test may kill it) counts as stopped.
        if (!result.Succeeded && ReadState() == ServerState.Running)
        {
            result.EnsureSuccess();
        }

        var deadline = Stopwatch.StartNew();
        while (ReadState() == ServerState.Running)
        {
            if (deadline.Elapsed > StopTimeout)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL did not stop (-m {mode}) within {StopTimeout.TotalSeconds:0} s." + _folder.DescribeLog());
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the server if one is running; returns why it could not, or null on success.</summary>
    public async Task<string?> TryStopAsync(string mode)
    {
        try
        {
            await StopAsync(mode, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Stops the server synchronously and hard (<c>-m immediate</c>), for a process-exit handler, which has no time for a
    /// clean shutdown; false when it still runs after a few seconds.
    /// </summary>
    public bool StopAtExit()
    {
        if (ReadState() != ServerState.Running)
        {
            return true;
        }

        _user.Run(PgCtl, ["-D", _folder.DataDirectory, "-W", "stop", "-m", "immediate"], ExitStopTimeout);
        var deadline = Stopwatch.StartNew();
        while (ReadState() == ServerState.Running)
        {
            if (deadline.Elapsed > ExitStopTimeout)
            {
                return false;
            }

            Thread.Sleep(50);
        }

        return true;
    }

    /// <summary>
    /// What <c>postmaster.pid</c> says, checked against the process table. pg_ctl and postgres take any PID that
    /// <c>kill(pid, 0)</c> accepts for a live server, zombies included, and a killed server stays a zombie until PID 1 reaps
    /// it, which some container inits do late or never: pg_ctl would then wait its full timeout for a dead server.
    /// </summary>
    public ServerState ReadState()
    {
        string? firstLine;
        try
        {
            firstLine = File.ReadLines(_folder.PidFile).FirstOrDefault();
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

    /// <summary>Starts the server on <see cref="Port"/>; false when that port was taken, throws on any other failure.</summary>
    private async Task<bool> TryStartAsync(CancellationToken ct)
    {
        await ClearStaleLockFileAsync(ct).ConfigureAwait(false);
        long logStart = _folder.LogLength();
        // Not cancellable: killing pg_ctl would orphan a server that has not yet written postmaster.pid, and then nothing
        // could find it to stop it. pg_ctl's own -t bounds the wait.
        ProcessResult result = await _user.RunAsync(
            PgCtl,
            ["-D", _folder.DataDirectory, "-l", _folder.LogFile, "-w", "-t", "60", "-o", _configuration.ServerOptions(Port, _folder.SocketDirectory), "start"],
            CancellationToken.None).ConfigureAwait(false);
        if (result.Succeeded)
        {
            ct.ThrowIfCancellationRequested();
            return true;
        }

        // pg_ctl gives up waiting after -t seconds but leaves a slow server running; make sure none is.
        await TryStopAsync("immediate").ConfigureAwait(false);
        string log = _folder.ReadLog(logStart);
        if (log.Contains("Address already in use", StringComparison.Ordinal))
        {
            return false;
        }

        throw new InvalidOperationException(result.Describe("PostgreSQL did not start") + _folder.DescribeLog(log));
    }

    /// <summary>
    /// Before a start: postgres removes a lock file whose PID is gone by itself, but refuses to start over a zombie's. Give
    /// PID 1 a few seconds to reap it, then remove the lock file ourselves.
    /// </summary>
    private async Task ClearStaleLockFileAsync(CancellationToken ct)
    {
        for (int wait = 0; wait < 50 && ReadState() == ServerState.Zombie; wait++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }

        if (ReadState() == ServerState.Zombie)
        {
            File.Delete(_folder.PidFile);
        }
    }

    private static int PickFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
