namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// Finds PostgreSQL's server programs (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>), and installs them when the caller
/// opted in (<see cref="ThrowawayPostgresOptions.InstallServerIfMissing"/>).
/// </summary>
internal sealed class PostgresLocator
{
    /// <summary>Debian's layout: one folder per major version, <c>/usr/lib/postgresql/15/bin</c>.</summary>
    internal const string DebianRoot = "/usr/lib/postgresql";

    private readonly IReadOnlyList<string> _pathEntries;
    private readonly string? _pgConfig;
    private readonly string _debianRoot;
    private readonly PostgresInstaller _installer;

    /// <summary>Creates a locator over the given places; tests point it at empty folders and a fake installer.</summary>
    internal PostgresLocator(IReadOnlyList<string> pathEntries, string? pgConfig, string debianRoot, PostgresInstaller installer)
    {
        _pathEntries = pathEntries;
        _pgConfig = pgConfig;
        _debianRoot = debianRoot;
        _installer = installer;
    }

    /// <summary>A locator over this process's <c>PATH</c>, its <c>pg_config</c> and Debian's folders, installing with apt-get.</summary>
    public static PostgresLocator FromEnvironment() =>
        new([.. ProcessRunner.PathEntries()], ProcessRunner.FindOnPath("pg_config"), DebianRoot, PostgresInstaller.FromEnvironment());

    /// <summary>The folder holding <c>initdb</c> and <c>pg_ctl</c>, or null; names each place it looked in <paramref name="searched"/>.</summary>
    public string? Find(List<string>? searched = null)
    {
        foreach (string directory in _pathEntries)
        {
            if (HasServerTools(directory))
            {
                return directory;
            }
        }

        searched?.Add("the PATH");

        if (_pgConfig is not null)
        {
            // Debian's pg_config may name /usr/lib/postgresql/NN/bin for a version whose server package is not installed.
            ProcessResult result = ProcessRunner.Run(_pgConfig, ["--bindir"], TimeSpan.FromSeconds(10));
            string reported = result.StandardOutput.Trim();
            if (result.Succeeded && reported.Length > 0 && HasServerTools(reported))
            {
                return reported;
            }

            searched?.Add($"`{_pgConfig} --bindir` ({(reported.Length > 0 ? reported : "no answer")})");
        }

        searched?.Add(_debianRoot + "/*/bin");
        if (!Directory.Exists(_debianRoot))
        {
            return null;
        }

        return Directory.EnumerateDirectories(_debianRoot)
            .Select(directory => (Bin: Path.Combine(directory, "bin"), Version: ParseVersion(Path.GetFileName(directory))))
            .Where(candidate => candidate.Version is not null && HasServerTools(candidate.Bin))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Bin)
            .FirstOrDefault();
    }

    /// <summary>
    /// The folder to run the server from: the configured one, else the one found, else (when opted in) the one installed.
    /// </summary>
    /// <exception cref="PostgresNotInstalledException">The programs are missing and were not installed.</exception>
    public async Task<string> ResolveAsync(ThrowawayPostgresOptions options, CancellationToken ct)
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
        if (Find(searched) is { } found)
        {
            return found;
        }

        string where = $"Searched {string.Join(", ", searched)}.";
        if (!options.InstallServerIfMissing)
        {
            throw new PostgresNotInstalledException(PostgresNotInstalledException.BuildMessage(
                $"{where} ThrowawayPostgresOptions.InstallServerIfMissing is false, so nothing was installed."));
        }

        if (_installer.CannotInstallReason is { } why)
        {
            throw new PostgresNotInstalledException(PostgresNotInstalledException.BuildMessage($"{where} {why}"));
        }

        return await _installer.InstallAsync(() => Find(), where, ct).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="directory"/> holds executable <c>initdb</c> and <c>pg_ctl</c>.</summary>
    public static bool HasServerTools(string directory) =>
        ProcessRunner.IsExecutableFile(Path.Combine(directory, "initdb"))
        && ProcessRunner.IsExecutableFile(Path.Combine(directory, "pg_ctl"));

    // Folder names are "15" or, before PostgreSQL 10, "9.6"; Version.TryParse wants at least two parts.
    private static Version? ParseVersion(string name) =>
        Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out Version? version) ? version : null;
}
