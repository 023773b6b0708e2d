using Npgsql;

namespace ScraperSky.Pipeline.Benchmarks.Suite;

/// <summary>
/// Reads pg_stat_statements (when the server preloads it) for one database: which statements a system sent, how often,
/// and how long the server spent on them. Snapshots are taken from the admin database so they count nothing themselves.
/// </summary>
internal sealed class StatementStats
{
    private readonly string _adminConnectionString;
    private readonly string _database;

    private StatementStats(string adminConnectionString, string database)
    {
        _adminConnectionString = adminConnectionString;
        _database = database;
    }

    /// <summary>Creates the extension in the admin database; null when the server does not preload the module.</summary>
    public static async Task<StatementStats?> TryCreateAsync(string adminConnectionString, string connectionString, CancellationToken ct)
    {
        try
        {
            await using var connection = new NpgsqlConnection(adminConnectionString);
            await connection.OpenAsync(ct);
            await QueueTable.ExecuteAsync(connection, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", ct);
            await using var probe = new NpgsqlCommand("SELECT count(*) FROM pg_stat_statements", connection);
            await probe.ExecuteScalarAsync(ct);
        }
        catch (PostgresException)
        {
            return null;
        }

        return new StatementStats(adminConnectionString, new NpgsqlConnectionStringBuilder(connectionString).Database!);
    }

    /// <summary>
    /// The statements of the database so far. (pg_stat_database's commit counters are not used: backends flush them at
    /// most once a second and idle ones only after seconds, while pg_stat_statements counts each statement at once;
    /// with track_utility on, BEGIN and COMMIT are statements too.)
    /// </summary>
    public async Task<Snapshot> TakeAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync(ct);
        var statements = new Dictionary<string, StatementCounters>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            """
            SELECT s.query, sum(s.calls)::bigint, sum(s.total_exec_time + s.total_plan_time), sum(s.rows)::bigint
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = @db GROUP BY s.query
            """, connection))
        {
            command.Parameters.AddWithValue("db", _database);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                statements[reader.GetString(0)] = new StatementCounters(reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3));
            }
        }

        return new Snapshot(statements);
    }

    /// <summary>What the statistics hold for one normalised statement.</summary>
    public readonly record struct StatementCounters(long Calls, double TotalMs, long Rows);

    public sealed record Snapshot(IReadOnlyDictionary<string, StatementCounters> Statements)
    {
        /// <summary>What happened between <paramref name="before"/> and this snapshot, busiest statement first.</summary>
        public IReadOnlyList<(string Query, StatementCounters Counters)> Since(Snapshot before)
            => [.. Statements
                .Select(s => (s.Key, Counters: before.Statements.TryGetValue(s.Key, out var b)
                    ? new StatementCounters(s.Value.Calls - b.Calls, s.Value.TotalMs - b.TotalMs, s.Value.Rows - b.Rows)
                    : s.Value))
                .Where(s => s.Counters.Calls > 0)
                .OrderByDescending(s => s.Counters.Calls)];
    }
}
