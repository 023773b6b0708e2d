using Npgsql;
using ScraperSky.Pipeline.Testing;

namespace ScraperSky.Pipeline.Benchmarks.Suite;

/// <summary>
/// The PostgreSQL server of one benchmark run: the server named by <c>SCRAPERSKY_PG_CONNECTION</c> when set, otherwise
/// a throwaway cluster with crash-safe settings (fsync and synchronous_commit on, as in the reference figures) and
/// pg_stat_statements preloaded, so the run can count the statements each system sends.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    public const string ConnectionVariable = "SCRAPERSKY_PG_CONNECTION";

    private readonly ThrowawayPostgres? _throwaway;
    private readonly string _adminConnectionString;
    private readonly List<string> _createdOnExternal = [];
    private readonly string _runTag = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));

    private BenchServer(ThrowawayPostgres? throwaway, string adminConnectionString)
    {
        _throwaway = throwaway;
        _adminConnectionString = adminConnectionString;
    }

    /// <summary>What the report says about the server: where it came from and its version.</summary>
    public string Description { get; private set; } = string.Empty;

    public string AdminConnectionString => _adminConnectionString;

    public static async Task<BenchServer> StartAsync(CancellationToken ct)
    {
        var external = Environment.GetEnvironmentVariable(ConnectionVariable);
        BenchServer server;
        if (!string.IsNullOrWhiteSpace(external))
        {
            server = new BenchServer(null, external);
        }
        else
        {
            var cluster = await ThrowawayPostgres.StartAsync(
                new ThrowawayPostgresOptions
                {
                    Durable = true,
                    InstallServerIfMissing = true,
                    ServerSettings = new Dictionary<string, string>
                    {
                        ["shared_preload_libraries"] = "pg_stat_statements",
                        ["pg_stat_statements.track_utility"] = "on",
                        ["pg_stat_statements.max"] = "1000",
                    },
                },
                ct);
            server = new BenchServer(cluster, cluster.ConnectionString);
        }

        await using var connection = new NpgsqlConnection(server._adminConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT current_setting('server_version') || ', fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit')", connection);
        var version = (string)(await command.ExecuteScalarAsync(ct))!;
        server.Description = (server._throwaway is null ? "external server (" + ConnectionVariable + ")" : "throwaway cluster") + ", PostgreSQL " + version;
        return server;
    }

    /// <summary>Creates an empty database for one part of the run and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string purpose, CancellationToken ct)
    {
        if (_throwaway is not null)
        {
            return await _throwaway.CreateDatabaseAsync(purpose, ct);
        }

        // On a shared server, names carry a run tag so that two runs never collide, and are dropped at the end.
        var name = $"scrapersky_bench_{purpose}_{_runTag}";
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0", connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        _createdOnExternal.Add(name);
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_throwaway is not null)
        {
            await _throwaway.DisposeAsync();
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        foreach (var name in _createdOnExternal)
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
