namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// Runs PostgreSQL's programs as the cluster's owner: as this process's user, or, when this process is root (which
/// <c>initdb</c> and <c>postgres</c> refuse), as the <c>postgres</c> OS user through <c>runuser</c> (or <c>su</c>).
/// </summary>
internal sealed class ClusterUser
{
    /// <summary>The OS user that owns the cluster when this process is root.</summary>
    public const string OwnerName = "postgres";

    private readonly string _workingDirectory;

    /// <summary>Creates the runner; programs run in <paramref name="workingDirectory"/>.</summary>
    /// <param name="switchUser">Whether to run programs as <see cref="OwnerName"/> instead of as this process's user.</param>
    /// <param name="workingDirectory">A folder the cluster owner can enter: the cluster's own.</param>
    public ClusterUser(bool switchUser, string workingDirectory)
    {
        SwitchesUser = switchUser;
        _workingDirectory = workingDirectory;
    }

    /// <summary>Whether programs run as <see cref="OwnerName"/> rather than as this process's user.</summary>
    public bool SwitchesUser { get; }

    /// <summary>Hands <paramref name="directory"/> (recursively) to the cluster owner, when that is another user.</summary>
    public async Task TakeOwnershipAsync(string directory, CancellationToken ct)
    {
        if (SwitchesUser)
        {
            (await ProcessRunner.RunAsync("chown", ["-R", $"{OwnerName}:{OwnerName}", directory], ct: ct).ConfigureAwait(false)).EnsureSuccess();
        }
    }

    /// <summary>Runs a program as the cluster owner, capturing its output.</summary>
    public Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        (string file, List<string> fullArguments) = Command(fileName, arguments);
        // Our own working directory (say /root) may be closed to the cluster owner, and PostgreSQL's tools complain.
        return ProcessRunner.RunAsync(file, fullArguments, _workingDirectory, ct: ct);
    }

    /// <summary>Runs a program as the cluster owner synchronously, for process-exit handlers.</summary>
    public ProcessResult Run(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        (string file, List<string> fullArguments) = Command(fileName, arguments);
        return ProcessRunner.Run(file, fullArguments, timeout, _workingDirectory);
    }

    /// <summary>The command line that runs a program as the cluster owner: as is, or through runuser (or su).</summary>
    public (string FileName, List<string> Arguments) Command(string fileName, IReadOnlyList<string> arguments)
    {
        if (!SwitchesUser)
        {
            return (fileName, [.. arguments]);
        }

        if (ProcessRunner.FindOnPath("runuser") is { } runuser)
        {
            return (runuser, ["-u", OwnerName, "--", fileName, .. arguments]);
        }

        return (ProcessRunner.FindOnPath("su") ?? "su", [OwnerName, "-s", "/bin/sh", "-c", ProcessRunner.ShellJoin(arguments.Prepend(fileName))]);
    }
}
