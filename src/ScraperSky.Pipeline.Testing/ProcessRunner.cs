using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ScraperSky.Pipeline.Testing;

/// <summary>What a finished external command printed, and how it exited.</summary>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Whether the command exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws <see cref="InvalidOperationException"/> describing the command unless it succeeded.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (!Succeeded)
        {
            throw new InvalidOperationException(Describe("Command failed"));
        }

        return this;
    }

    /// <summary>A multi-line account of the command: headline, command line, exit code and output.</summary>
    public string Describe(string headline)
    {
        var text = new StringBuilder();
        text.Append(headline).Append(": `").Append(CommandLine).Append("` exited with code ").Append(ExitCode).Append('.');
        AppendSection(text, "stdout", StandardOutput);
        AppendSection(text, "stderr", StandardError);
        return text.ToString();
    }

    private static void AppendSection(StringBuilder text, string name, string content)
    {
        if (!string.IsNullOrWhiteSpace(content))
        {
            text.AppendLine().Append("--- ").Append(name).AppendLine(" ---").Append(content.TrimEnd());
        }
    }
}

/// <summary>Runs external programs, capturing their output.</summary>
internal static class ProcessRunner
{
    // A daemon that inherited our pipes would keep them open after its parent exits; we stop reading after this long.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs a program to completion; on cancellation the program (and its children) are killed.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken ct = default)
    {
        using Process process = Start(fileName, arguments, workingDirectory, environment, out string commandLine);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            TryKill(process);
            throw;
        }

        return new ProcessResult(commandLine, process.ExitCode, await DrainAsync(stdout).ConfigureAwait(false), await DrainAsync(stderr).ConfigureAwait(false));
    }

    /// <summary>
    /// Runs a program synchronously, for places that cannot await (process-exit handlers, property-like look-ups).
    /// A program still running after <paramref name="timeout"/> is killed and reported with exit code -1.
    /// </summary>
    public static ProcessResult Run(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        using Process process = Start(fileName, arguments, workingDirectory, null, out string commandLine);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (!process.WaitForExit(timeout))
        {
            TryKill(process);
            return new ProcessResult(commandLine, -1, string.Empty, $"Timed out after {timeout.TotalSeconds:0} s.");
        }

        return new ProcessResult(
            commandLine,
            process.ExitCode,
            DrainAsync(stdout).GetAwaiter().GetResult(),
            DrainAsync(stderr).GetAwaiter().GetResult());
    }

    /// <summary>Kills a process and its descendants, ignoring one that has already gone.</summary>
    public static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception)
        {
            // Exited while we enumerated its children, or not ours to kill; nothing more we can do.
        }
    }

    /// <summary>Where <paramref name="name"/> is on <c>PATH</c> (or in the usual system folders), or null.</summary>
    public static string? FindOnPath(string name)
    {
        // runuser and friends live in sbin, which a non-login PATH may lack.
        string[] fallbacks = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
        foreach (string directory in PathEntries().Concat(fallbacks))
        {
            string candidate = Path.Combine(directory, name);
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The folders listed in <c>PATH</c>, in order.</summary>
    public static IEnumerable<string> PathEntries() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether <paramref name="path"/> is an existing file with an execute bit set (following symlinks).</summary>
    public static bool IsExecutableFile(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            if (OperatingSystem.IsWindows())
            {
                return true;
            }

            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return (File.GetUnixFileMode(path) & anyExecute) != 0;
        }
        catch (IOException)
        {
            return false; // e.g. a dangling symlink
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Quotes one word for a POSIX shell.</summary>
    public static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=:,+@%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Joins words into one POSIX shell command line.</summary>
    public static string ShellJoin(IEnumerable<string> words) => string.Join(' ', words.Select(ShellQuote));

    private static Process Start(
        string fileName,
        IReadOnlyList<string> arguments,
        string? workingDirectory,
        IReadOnlyDictionary<string, string>? environment,
        out string commandLine)
    {
        commandLine = ShellJoin(arguments.Prepend(fileName));
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not run `{commandLine}`: {ex.Message}", ex);
        }

        // Nothing we run reads input; closing it makes anything that would prompt fail instead of hang.
        process.StandardInput.Close();
        return process;
    }

    private static async Task<string> DrainAsync(Task<string> read)
    {
        try
        {
            return await read.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return "<output unavailable: a child process still holds the pipe open>";
        }
    }
}
