using System.Globalization;

namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// How a throwaway cluster is created (<c>initdb</c>) and which settings its server runs with, from
/// <see cref="ThrowawayPostgresOptions"/>.
/// </summary>
internal sealed class ClusterConfiguration
{
    /// <summary>The superuser initdb creates; it logs in without a password (<c>-A trust</c>).</summary>
    public const string Superuser = "postgres";

    private readonly bool _durable;
    private readonly int _maxConnections;
    private readonly KeyValuePair<string, string>[] _serverSettings;

    /// <summary>Takes a copy of the settings that matter, so later changes to <paramref name="options"/> have no effect.</summary>
    public ClusterConfiguration(ThrowawayPostgresOptions options)
    {
        _durable = options.Durable;
        _maxConnections = options.MaxConnections;
        _serverSettings = options.ServerSettings?.ToArray() ?? [];
    }

    /// <summary>Creates the cluster in <paramref name="folder"/>'s data directory, owned by the cluster owner.</summary>
    /// <exception cref="InvalidOperationException">chown or initdb failed; the message holds their output.</exception>
    public async Task InitializeAsync(ClusterUser user, ClusterFolder folder, string binDirectory, CancellationToken ct)
    {
        await user.TakeOwnershipAsync(folder.Root, ct).ConfigureAwait(false);

        List<string> initdb = ["-D", folder.DataDirectory, "-U", Superuser, "-A", "trust", "-E", "UTF8", "--no-locale"];
        if (!_durable)
        {
            initdb.Add("--no-sync");
        }

        (await user.RunAsync(Path.Combine(binDirectory, "initdb"), initdb, ct).ConfigureAwait(false)).EnsureSuccess();
    }

    /// <summary>The server's command-line options for <c>pg_ctl -o</c>, shell-quoted.</summary>
    public string ServerOptions(int port, string socketDirectory)
    {
        // pg_ctl hands this string to /bin/sh, so every value is shell-quoted.
        List<string> words =
        [
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=" + ServerConnections.Host,
            "-k", socketDirectory,
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
}
