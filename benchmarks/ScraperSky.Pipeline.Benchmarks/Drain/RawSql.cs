using Npgsql;
using Npgsql.NameTranslation;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>What a hand-written Npgsql loop needs: its own data source (pool) per worker, and a by-hand row reader.</summary>
internal static class RawSql
{
    public static NpgsqlDataSource CreateDataSource(string connectionString, string applicationName)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName = applicationName;
        builder.MapEnum<ProcessStatus>("process_status", new NpgsqlNullNameTranslator());
        return builder.Build();
    }

    /// <summary>Reads claimed rows (<c>t.*</c>, table order) into the same entity the library materialises.</summary>
    public static async Task<List<BenchDomain>> ReadRowsAsync(NpgsqlCommand command, int capacity, CancellationToken ct)
    {
        var rows = new List<BenchDomain>(capacity);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new BenchDomain
            {
                Id = reader.GetInt64(0),
                Domain = reader.GetString(1),
                Status = reader.GetFieldValue<ProcessStatus>(2),
                Attempts = reader.GetInt32(3),
                ClaimedBy = reader.IsDBNull(4) ? null : reader.GetString(4),
                LeaseExpiresAt = reader.IsDBNull(5) ? null : reader.GetDateTime(5),
                Error = reader.IsDBNull(6) ? null : reader.GetString(6),
                UpdatedAt = reader.GetDateTime(7),
            });
        }

        return rows;
    }

    /// <summary>Binds a batch's outcomes (all completed: the processor is a no-op) to the unnest statement's arrays.</summary>
    public static void BindOutcomes(NpgsqlCommand command, List<BenchDomain> rows)
    {
        var keys = new long[rows.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = rows[i].Id;
        }

        command.Parameters[0].Value = keys;
        command.Parameters[1].Value = new short[rows.Count];
        command.Parameters[2].Value = new string?[rows.Count];
        command.Parameters[3].Value = new TimeSpan[rows.Count];
    }

    public static NpgsqlCommand OutcomeCommand(NpgsqlConnection? connection, string sql)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<long[]>(Claiming.WorkflowSql.KeysParameter, []));
        command.Parameters.Add(new NpgsqlParameter<short[]>(Claiming.WorkflowSql.KindsParameter, []));
        command.Parameters.Add(new NpgsqlParameter<string?[]>(Claiming.WorkflowSql.ReasonsParameter, []));
        command.Parameters.Add(new NpgsqlParameter<TimeSpan[]>(Claiming.WorkflowSql.DelaysParameter, []));
        command.Parameters.Add(new NpgsqlParameter(Claiming.WorkflowSql.NowParameter, NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        return command;
    }

    /// <summary>Runs one batch on every worker, one worker after another (the untimed warm-up).</summary>
    public static async Task WarmUpWorkersAsync(int workers, Func<int, CancellationToken, Task<int>> batch, CancellationToken ct)
    {
        for (var i = 0; i < workers; i++)
        {
            await batch(i, ct);
        }
    }

    /// <summary>Runs one loop per worker until each finds nothing left; returns when the last one stops.</summary>
    public static Task RunWorkersAsync(int workers, Func<int, CancellationToken, Task<int>> batch, CancellationToken ct)
        => Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(
            async () =>
            {
                while (await batch(i, ct) > 0)
                {
                }
            },
            ct)));
}
