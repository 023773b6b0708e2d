using System.Diagnostics;
using System.Globalization;

namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// A detached shell that waits for this process to end and then stops the cluster and deletes its folder, so that
/// nothing is left behind even when this process is killed with SIGKILL and no handler of ours runs. Disposing it (the
/// last step of a clean-up) kills the shell.
/// </summary>
internal sealed class ClusterWatchdog : IDisposable
{
    private Process? _shell;

    private ClusterWatchdog(Process shell) => _shell = shell;

    /// <summary>Starts the watchdog of the cluster in <paramref name="folder"/>, run by <paramref name="pgCtl"/>.</summary>
    /// <exception cref="InvalidOperationException">The shell could not be started.</exception>
    public static ClusterWatchdog Start(ClusterFolder folder, ClusterUser user, string pgCtl)
    {
        (string stopFile, List<string> stopArguments) = user.Command(pgCtl, ["-D", folder.DataDirectory, "stop", "-m", "immediate"]);
        string pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        string root = ProcessRunner.ShellQuote(folder.Root);
        string data = ProcessRunner.ShellQuote(folder.DataDirectory);
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
        Process shell = Process.Start(startInfo)
            ?? throw new InvalidOperationException("Could not start the watchdog shell /bin/sh.");

        // The script's first line detaches it from those pipes; we never use them either.
        shell.StandardInput.Close();
        shell.StandardOutput.Close();
        shell.StandardError.Close();
        return new ClusterWatchdog(shell);
    }

    /// <summary>Kills the watchdog shell; calling it again does nothing.</summary>
    public void Dispose()
    {
        Process? shell = Interlocked.Exchange(ref _shell, null);
        if (shell is not null)
        {
            ProcessRunner.TryKill(shell);
            shell.Dispose();
        }
    }
}
