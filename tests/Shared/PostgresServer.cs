using Npgsql;
using ScraperSky.Pipeline.Testing;

namespace ScraperSky.Pipeline.TestSupport;

/// <summary>
/// The one PostgreSQL server of a test run: the server named by <c>SCRAPERSKY_PG_CONNECTION</c> when set, otherwise a
/// throwaway cluster started once and stopped when the test process exits. Each test class gets a database of its own.
/// The sample's and the dashboard's test projects link this file.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<(ThrowawayPostgres? Cluster, string Admin)>> Instance = new(StartAsync);

    /// <summary>Creates a fresh database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var (cluster, admin) = await Instance.Value;
        if (cluster is not null)
        {
            return await cluster.CreateDatabaseAsync();
        }

        var name = "scrapersky_test_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    private static async Task<(ThrowawayPostgres?, string)> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("SCRAPERSKY_PG_CONNECTION");
        if (!string.IsNullOrWhiteSpace(external))
        {
            return (null, external);
        }

        var cluster = await ThrowawayPostgres.StartAsync(new ThrowawayPostgresOptions { InstallServerIfMissing = true });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        return (cluster, cluster.ConnectionString);
    }
}
