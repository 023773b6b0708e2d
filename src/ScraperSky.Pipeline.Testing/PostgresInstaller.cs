namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// Installs PostgreSQL's server package with <c>apt-get</c> (Debian and Ubuntu, as root). Only ever used when the caller
/// set <see cref="ThrowawayPostgresOptions.InstallServerIfMissing"/>.
/// </summary>
internal sealed class PostgresInstaller
{
    /// <summary>The Debian package that brings the server programs.</summary>
    internal const string Package = "postgresql";

    // Several servers may start at once in one test run; only one of them should run apt-get.
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    private readonly string? _aptGet;
    private readonly bool _isRoot;

    /// <summary>Creates an installer that runs <paramref name="aptGet"/>; tests give it a fake program.</summary>
    internal PostgresInstaller(string? aptGet, bool isRoot)
    {
        _aptGet = aptGet;
        _isRoot = isRoot;
    }

    /// <summary>An installer using this machine's <c>apt-get</c>, if any, with this process's privileges.</summary>
    public static PostgresInstaller FromEnvironment() => new(ProcessRunner.FindOnPath("apt-get"), Environment.IsPrivilegedProcess);

    /// <summary>Why this installer cannot run here, or null when it can.</summary>
    public string? CannotInstallReason =>
        !_isRoot ? "Installing it automatically needs root."
        : _aptGet is null ? "Installing it automatically needs apt-get."
        : null;

    /// <summary>
    /// Installs the server package unless <paramref name="find"/> finds the programs once this process holds the
    /// install gate; returns the folder <paramref name="find"/> reports afterwards.
    /// </summary>
    /// <exception cref="PostgresNotInstalledException">apt-get failed, or installed nothing usable.</exception>
    public async Task<string> InstallAsync(Func<string?> find, string searched, CancellationToken ct)
    {
        string aptGet = _aptGet ?? throw new InvalidOperationException(CannotInstallReason);
        await InstallGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Another server in this process may have installed it while we waited.
            if (find() is { } installedMeanwhile)
            {
                return installedMeanwhile;
            }

            var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            // Another process may hold apt's locks (say, a parallel test run installing the same thing): wait, do not fail.
            string[] lockWait = ["-o", "DPkg::Lock::Timeout=300"];
            string[][] steps = [["update", .. lockWait], ["install", "-y", .. lockWait, Package]];
            foreach (string[] arguments in steps)
            {
                string commandLine = ProcessRunner.ShellJoin(arguments.Prepend(aptGet));
                ConsoleLog.Write($"PostgreSQL is not installed; running: {commandLine}");
                ProcessResult result = await ProcessRunner.RunAsync(aptGet, arguments, environment: environment, ct: ct).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    throw new PostgresNotInstalledException(
                        PostgresNotInstalledException.BuildMessage($"{searched} Installing it automatically failed."),
                        new InvalidOperationException(result.Describe("Command failed")));
                }
            }

            string binDirectory = find()
                ?? throw new PostgresNotInstalledException(PostgresNotInstalledException.BuildMessage(
                    $"apt-get install -y {Package} succeeded, yet initdb and pg_ctl are still nowhere to be found."));
            ConsoleLog.Write($"Installed PostgreSQL; using {binDirectory}.");
            return binDirectory;
        }
        finally
        {
            InstallGate.Release();
        }
    }
}
