using Npgsql;
using ScraperSky.Pipeline.Testing;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>
/// The one PostgreSQL server of a test run: the server named by <c>SCRAPERSKY_PG_CONNECTION</c> when set, otherwise a
/// throwaway cluster started once (seconds) and stopped when the test process exits. Each test class gets a database
/// of its own from it (<see cref="DatabaseFixture"/>), so classes run in parallel.
/// </summary>
public static class PostgresServer
{
    /// <summary>The environment variable that points the tests at an existing server.</summary>
    public const string ConnectionVariable = "SCRAPERSKY_PG_CONNECTION";

    private static readonly Lazy<Task<Server>> Instance = new(StartAsync);

    /// <summary>Creates a fresh database and returns its connection string.</summary>
    /// <remarks>
    /// Every test builds service providers of its own, and EF Core gives each one its own Npgsql data source and so
    /// its own connection pool; idle connections are therefore pruned within seconds, or the run would exhaust the
    /// server's connections.
    /// </remarks>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await Instance.Value;
        var connectionString = await server.CreateDatabaseAsync();
        return new NpgsqlConnectionStringBuilder(connectionString) { ConnectionIdleLifetime = 2, ConnectionPruningInterval = 1 }.ConnectionString;
    }

    /// <summary>Gets the throwaway cluster, for tests that stop and restart it; null when an external server is used.</summary>
    public static async Task<ThrowawayPostgres?> ThrowawayAsync() => (await Instance.Value).Throwaway;

    private static async Task<Server> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new Server(null, external);
        }

        var cluster = await ThrowawayPostgres.StartAsync(new ThrowawayPostgresOptions { MaxConnections = 500, InstallServerIfMissing = true });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        return new Server(cluster, cluster.ConnectionString);
    }

    private sealed record Server(ThrowawayPostgres? Throwaway, string AdminConnectionString)
    {
        public async Task<string> CreateDatabaseAsync()
        {
            if (Throwaway is not null)
            {
                return await Throwaway.CreateDatabaseAsync();
            }

            var name = "scrapersky_test_" + Guid.NewGuid().ToString("N")[..16];
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync();
            await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0", connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
        }
    }
}
