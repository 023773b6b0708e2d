using Npgsql;
using ScraperSky.Pipeline.Testing;

namespace ScraperSky.Pipeline.Tests.Testing;

/// <summary>A throwaway server of the test's own, through its whole life: start, databases, restarts, stop, disposal.</summary>
public sealed class ThrowawayPostgresTests
{
    [Fact]
    public async Task Lifecycle_StartRestartStopDispose_KeepsCommittedDataAndLeavesNothingBehind()
    {
        var server = await ThrowawayPostgres.StartAsync(new ThrowawayPostgresOptions { InstallServerIfMissing = true });
        string root;
        try
        {
            root = Path.GetDirectoryName(server.DataDirectory)!;
            var connectionString = await server.CreateDatabaseAsync("lifecycle");
            connectionString.Should().Be(server.ConnectionStringFor("lifecycle"));
            await ExecuteAsync(connectionString, "CREATE TABLE t (v int); INSERT INTO t VALUES (42)");

            await server.RestartAsync(immediate: true);
            NpgsqlConnection.ClearAllPools();
            (await ScalarAsync(connectionString, "SELECT v FROM t")).Should().Be(42, "a commit acknowledged before a crash-like restart survives it");

            await server.StopAsync();
            await server.StopAsync(); // idempotent
            var afterStop = () => ScalarAsync(connectionString, "SELECT 1");
            await afterStop.Should().ThrowAsync<NpgsqlException>();

            await server.RestartAsync(immediate: false);
            (await ScalarAsync(connectionString, "SELECT v FROM t")).Should().Be(42);
        }
        finally
        {
            await server.DisposeAsync();
        }

        Directory.Exists(root).Should().BeFalse("disposing deletes the cluster's folder");
        await server.DisposeAsync(); // idempotent
        var createAfterDispose = () => server.CreateDatabaseAsync();
        await createAfterDispose.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task StartAsync_BadServerSettingName_ThrowsBeforeStartingAnything()
    {
        var options = new ThrowawayPostgresOptions { ServerSettings = new Dictionary<string, string> { ["fsync; rm -rf /"] = "off" } };

        var start = () => ThrowawayPostgres.StartAsync(options);

        (await start.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("may contain only letters");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<int> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
