using Npgsql;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>A database of its own for one test class; tests inside a class run one after another.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    /// <summary>Gets the connection string of this class's database.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync() => ConnectionString = await PostgresServer.CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Runs SQL on a connection of its own (autocommit).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Reads one scalar on a connection of its own.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(value!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Polls a scalar until it equals <paramref name="expected"/>; false when the ceiling passes first.</summary>
    public Task<bool> WaitForScalarAsync(string sql, long expected, TimeSpan? ceiling = null)
        => Polling.UntilAsync(async () => await ScalarAsync<long>(sql) == expected, ceiling);

    /// <summary>Reads (status, count) pairs of a table's status column as text.</summary>
    public async Task<Dictionary<string, long>> CountByStatusAsync(string table, string statusColumn = "status")
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT {statusColumn}::text, count(*) FROM {table} GROUP BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }
}
