using System.Globalization;
using Npgsql;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>The queries of the final verdict, run once the workers are gone.</summary>
internal static class ChaosInspection
{
    /// <summary>How long past its expiry a lease may stay unrescued before its row counts as stuck.</summary>
    public static readonly TimeSpan RescueAllowance = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long after a call returned a fault still excuses its unwritten outcome: the time the worker has to write it
    /// (a fault after that found the outcome written, or its loss was the engine's doing).
    /// </summary>
    public static readonly TimeSpan OutcomeGrace = TimeSpan.FromSeconds(10);

    /// <summary>What the final check found in the table of one claim mode.</summary>
    public static async Task<TableVerdict> InspectAsync(string connectionString, string mode, int expected, CancellationToken ct)
    {
        var table = mode == ChaosSchema.LeaseMode ? "lease_items" : "atomic_items";
        // A processing lease-mode row is stuck once its lease is long past (no rescuer returned it); an atomic-batch row
        // never shows processing outside its claim's transaction, so any is stuck.
        var stuckProcessing = mode == ChaosSchema.LeaseMode
            ? "status = 'Processing' AND (lease_expires_at IS NULL OR lease_expires_at < now() - @allowance)"
            : "status = 'Processing'";
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT
              (SELECT count(*) FROM {table}),
              (SELECT count(*) FROM {table} WHERE status = 'Completed'),
              (SELECT count(*) FROM {table} WHERE status = 'Error' AND coalesce(error, '') <> ''),
              (SELECT count(*) FROM {table} WHERE status = 'Error' AND coalesce(error, '') = ''),
              (SELECT count(*) FROM {table} WHERE status = 'Queued'),
              (SELECT count(*) FROM {table} WHERE status = 'Processing'),
              (SELECT count(*) FROM {table} WHERE {stuckProcessing}),
              (SELECT count(*) FROM {table} AS t WHERE t.status = 'Completed'
                 AND NOT EXISTS (SELECT 1 FROM ledger AS l WHERE l.mode = @mode AND l.item_id = t.id)),
              (SELECT count(*) FROM ledger AS l WHERE l.mode = @mode
                 AND NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.id = l.item_id AND t.status = 'Completed')),
              (SELECT count(*) - count(DISTINCT item_id) FROM ledger WHERE mode = @mode),
              (SELECT count(DISTINCT item_id) FROM backwards WHERE mode = @mode),
              (SELECT count(*) FROM attempts WHERE mode = @mode),
              (SELECT count(DISTINCT item_id) FROM attempts WHERE mode = @mode),
              (SELECT count(*) FROM {table} AS t WHERE t.status = 'Completed'
                 AND NOT EXISTS (SELECT 1 FROM attempts AS a WHERE a.mode = @mode AND a.item_id = t.id)),
              (SELECT count(*) FROM {table} WHERE status = 'Error' AND error LIKE '%duplicate key%')
            """,
            connection);
        command.Parameters.AddWithValue("mode", mode);
        command.Parameters.AddWithValue("allowance", RescueAllowance);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        long At(int i) => reader.GetInt64(i);
        return new TableVerdict(
            Mode: mode,
            Expected: expected,
            Rows: At(0),
            Completed: At(1),
            ErrorWithReason: At(2),
            ErrorWithoutReason: At(3),
            Queued: At(4),
            Processing: At(5),
            StuckProcessing: At(6),
            CompletedWithoutLedger: At(7),
            LedgerWithoutCompletion: At(8),
            LedgerDuplicates: At(9),
            WentBackwards: At(10),
            Executions: At(11),
            ItemsExecuted: At(12),
            CompletedWithoutExecution: At(13),
            DuplicateKeyErrors: At(14));
    }

    /// <summary>
    /// The lease-mode processor calls that returned (their <c>returns</c> row) and whose outcome the ledger does not show,
    /// split by whether a fault excuses them: a SIGKILL of the call's worker, or a PostgreSQL restart, between the call's
    /// start and <see cref="OutcomeGrace"/> after its return.
    /// </summary>
    public static async Task<ThrownAwayVerdict> ThrownAwayAsync(string connectionString, int samples, CancellationToken ct)
    {
        const string Calls = """
            WITH calls AS (
              SELECT a.call_id, a.item_id, a.worker, a.started_at, r.returned_at, r.lease_expires_at, r.claim,
                EXISTS (SELECT 1 FROM ledger AS l WHERE l.call_id = a.call_id) AS written,
                EXISTS (SELECT 1 FROM faults AS f WHERE f.kind = 'kill' AND f.worker = a.worker
                          AND f.ended_at >= a.started_at AND f.started_at <= r.returned_at + @grace) AS killed,
                EXISTS (SELECT 1 FROM faults AS f WHERE f.kind = 'restart'
                          AND f.ended_at >= a.started_at AND f.started_at <= r.returned_at + @grace) AS restarted
              FROM attempts AS a JOIN returns AS r USING (call_id)
              WHERE a.mode = 'lease')
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            Calls + """
            SELECT count(*),
              count(*) FILTER (WHERE NOT written AND killed),
              count(*) FILTER (WHERE NOT written AND NOT killed AND restarted),
              count(*) FILTER (WHERE NOT written AND NOT killed AND NOT restarted),
              count(*) FILTER (WHERE NOT written AND NOT killed AND NOT restarted AND returned_at > lease_expires_at)
            FROM calls
            """,
            connection);
        command.Parameters.AddWithValue("grace", OutcomeGrace);
        ThrownAwayVerdict verdict;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            verdict = new ThrownAwayVerdict(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), []);
        }

        await using var sample = new NpgsqlCommand(
            Calls + $"""
            SELECT c.item_id, c.worker, c.claim, extract(epoch FROM c.returned_at - c.started_at)::float8,
                   extract(epoch FROM c.returned_at - c.lease_expires_at)::float8, coalesce(l.worker, t.status::text)
            FROM calls AS c JOIN lease_items AS t ON t.id = c.item_id LEFT JOIN ledger AS l ON l.mode = 'lease' AND l.item_id = c.item_id
            WHERE NOT c.written AND NOT c.killed AND NOT c.restarted ORDER BY c.returned_at LIMIT {samples}
            """,
            connection);
        sample.Parameters.AddWithValue("grace", OutcomeGrace);
        await using var rows = await sample.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            verdict.Samples.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"item {rows.GetInt64(0)} on {rows.GetString(1)} (claim {rows.GetString(2)}): returned after {rows.GetDouble(3):0.0} s, " +
                $"{rows.GetDouble(4):+0.0;-0.0} s from its lease's expiry; final outcome by {rows.GetString(5)}"));
        }

        return verdict;
    }

    /// <summary>Up to <paramref name="limit"/> distinct error texts of a table, with counts, for the report.</summary>
    public static async Task<List<string>> ErrorSamplesAsync(string connectionString, string table, int limit, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"SELECT count(*), left(coalesce(error, '<null>'), 160) FROM {table} WHERE status = 'Error' GROUP BY 2 ORDER BY 1 DESC LIMIT {limit}",
            connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var samples = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            samples.Add($"{reader.GetInt64(0)} × {reader.GetString(1)}");
        }

        return samples;
    }

    /// <summary>Up to <paramref name="limit"/> items executed more than once, with the workers that ran them, for the report.</summary>
    public static async Task<List<string>> RepeatedExecutionsAsync(string connectionString, string mode, int limit, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"SELECT item_id, string_agg(worker, ',' ORDER BY started_at) FROM attempts WHERE mode = @mode GROUP BY item_id HAVING count(*) > 1 ORDER BY item_id LIMIT {limit}",
            connection);
        command.Parameters.AddWithValue("mode", mode);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var samples = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            samples.Add($"{reader.GetInt64(0)} by {reader.GetString(1)}");
        }

        return samples;
    }
}
