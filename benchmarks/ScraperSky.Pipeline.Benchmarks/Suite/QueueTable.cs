using System.Globalization;
using Npgsql;

namespace ScraperSky.Pipeline.Benchmarks.Suite;

/// <summary>
/// The reference schema of the shared bench scripts (<c>schema.sql</c>, <c>refill.sql</c>): the <c>process_status</c>
/// enum, the <c>domains</c> table and the partial index <c>(id) WHERE status = 'Queued'</c>, rebuilt from scratch
/// before every measurement so that each starts from the same state (no dead tuples left by the previous one).
/// </summary>
internal static class QueueTable
{
    public const string EnumDdl = """
        DO $$ BEGIN
          CREATE TYPE process_status AS ENUM ('Queued', 'Processing', 'Completed', 'Error');
        EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        """;

    private const string TableDdl = """
        DROP TABLE IF EXISTS domains;
        CREATE TABLE domains (
          id bigserial PRIMARY KEY,
          domain text NOT NULL,
          status process_status NOT NULL DEFAULT 'Queued',
          attempts int NOT NULL DEFAULT 0,
          claimed_by text,
          lease_expires_at timestamptz,
          error text,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        """;

    /// <summary>
    /// Refills the table as <c>refill.sql</c> does: <paramref name="history"/> completed rows at the head, then
    /// <paramref name="queued"/> queued rows. The history is there so that ANALYZE sees a realistic queued fraction;
    /// with every row queued the planner prefers the primary key plus a filter over the partial index.
    /// </summary>
    public static Task RefillAsync(string connectionString, long queued, long history, CancellationToken ct)
        => BuildAsync(connectionString, $"""
            INSERT INTO domains (domain, status, attempts)
              SELECT 'domain-' || g || '.example.com', 'Completed', 1 FROM generate_series(1, {Num(history)}) g;
            INSERT INTO domains (domain)
              SELECT 'domain-' || g || '.example.com' FROM generate_series({Num(history + 1)}, {Num(history + queued)}) g;
            """, ct);

    /// <summary>A table of <paramref name="rows"/> rows of which one in <paramref name="queuedEvery"/> is queued, spread over the whole key range.</summary>
    public static Task BuildGrownAsync(string connectionString, long rows, int queuedEvery, CancellationToken ct)
        => BuildAsync(connectionString, $"""
            INSERT INTO domains (domain, status, attempts)
              SELECT 'domain-' || g || '.example.com',
                     CASE WHEN g % {Num(queuedEvery)} = 0 THEN 'Queued' ELSE 'Completed' END::process_status,
                     CASE WHEN g % {Num(queuedEvery)} = 0 THEN 0 ELSE 1 END
              FROM generate_series(1, {Num(rows)}) g;
            """, ct);

    /// <summary>Rows of the table by status (text label → count).</summary>
    public static async Task<Dictionary<string, long>> CountByStatusAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT status::text, count(*) FROM domains GROUP BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public static async Task<long> CountAsync(string connectionString, string status, CancellationToken ct)
        => (await CountByStatusAsync(connectionString, ct)).GetValueOrDefault(status);

    private static async Task BuildAsync(string connectionString, string insert, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, EnumDdl + TableDdl + insert, ct);
        // Index after the load (faster, and as compact as a fresh one), then statistics and a frozen, checkpointed
        // table so that no autovacuum or checkpoint work from the load lands inside the measurement.
        await ExecuteAsync(connection, "CREATE INDEX domains_queued_idx ON domains (id) WHERE status = 'Queued'", ct);
        await ExecuteAsync(connection, "VACUUM (ANALYZE, FREEZE) domains", ct);
        try
        {
            await ExecuteAsync(connection, "CHECKPOINT", ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // An external server's role may lack pg_checkpoint; the measurement is then a little noisier, no more.
        }
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}
