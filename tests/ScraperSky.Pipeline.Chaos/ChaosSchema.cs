using System.Globalization;
using Npgsql;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>The chaos database: DDL, seeding, the progress count, the faults of the run and the rows a stall left behind.</summary>
internal static class ChaosSchema
{
    public const string LeaseMode = "lease";
    public const string AtomicMode = "atomic";

    /// <summary>
    /// Both work tables with the indexes the doctor asks for and room for HOT updates; the ledger; the append-only
    /// <c>attempts</c> (one row per processor call, written when it starts) and <c>returns</c> (one row per call that
    /// returned, slow profile only) tables, written outside the item's transaction so that calls whose work a fault
    /// rolled back still count; the <c>faults</c> the harness fired; and <c>backwards</c>, where a trigger records every
    /// row that left a finished status (an outcome overwritten, a finished row queued again).
    /// </summary>
    private const string Ddl = """
        CREATE TYPE chaos_status AS ENUM ('Queued', 'Processing', 'Completed', 'Error');
        CREATE TABLE lease_items (
            id bigint PRIMARY KEY, status chaos_status NOT NULL DEFAULT 'Queued', error text,
            attempts int NOT NULL DEFAULT 0, lease_expires_at timestamptz, claimed_by text, next_attempt_at timestamptz)
            WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
        CREATE TABLE atomic_items (id bigint PRIMARY KEY, status chaos_status NOT NULL DEFAULT 'Queued', error text)
            WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
        CREATE TABLE ledger (
            mode text NOT NULL, item_id bigint NOT NULL, worker text NOT NULL, call_id uuid NOT NULL, PRIMARY KEY (mode, item_id));
        CREATE TABLE attempts (
            call_id uuid NOT NULL, mode text NOT NULL, item_id bigint NOT NULL, worker text NOT NULL,
            started_at timestamptz NOT NULL DEFAULT clock_timestamp());
        CREATE TABLE returns (
            call_id uuid NOT NULL, claim text, lease_expires_at timestamptz, returned_at timestamptz NOT NULL DEFAULT clock_timestamp());
        CREATE TABLE faults (kind text NOT NULL, worker text, started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL);
        CREATE TABLE backwards (
            mode text NOT NULL, item_id bigint NOT NULL, old_status chaos_status NOT NULL, new_status chaos_status NOT NULL,
            at timestamptz NOT NULL DEFAULT clock_timestamp());
        CREATE FUNCTION record_backwards() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO backwards (mode, item_id, old_status, new_status) VALUES (TG_ARGV[0], OLD.id, OLD.status, NEW.status);
            RETURN NULL;
        END $$;
        CREATE TRIGGER lease_items_backwards AFTER UPDATE ON lease_items FOR EACH ROW
            WHEN (OLD.status IN ('Completed', 'Error') AND NEW.status IS DISTINCT FROM OLD.status)
            EXECUTE FUNCTION record_backwards('lease');
        CREATE TRIGGER atomic_items_backwards AFTER UPDATE ON atomic_items FOR EACH ROW
            WHEN (OLD.status IN ('Completed', 'Error') AND NEW.status IS DISTINCT FROM OLD.status)
            EXECUTE FUNCTION record_backwards('atomic');
        """;

    private const string Indexes = """
        CREATE INDEX lease_items_queued ON lease_items (id) WHERE status = 'Queued';
        CREATE INDEX lease_items_rescue ON lease_items (lease_expires_at) WHERE status = 'Processing';
        CREATE INDEX atomic_items_queued ON atomic_items (id) WHERE status = 'Queued';
        CREATE INDEX attempts_item ON attempts (mode, item_id);
        ANALYZE lease_items;
        ANALYZE atomic_items;
        """;

    /// <summary>Creates the schema and queues <paramref name="leaseItems"/> and <paramref name="atomicItems"/> rows.</summary>
    public static async Task CreateAsync(string connectionString, int leaseItems, int atomicItems, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, Ddl, ct);

        // Indexes after the bulk insert: building them once is much faster than maintaining them row by row.
        await ExecuteAsync(connection, $"INSERT INTO lease_items (id) SELECT g FROM generate_series(1, {leaseItems}) AS g", ct);
        await ExecuteAsync(connection, $"INSERT INTO atomic_items (id) SELECT g FROM generate_series(1, {atomicItems}) AS g", ct);
        await ExecuteAsync(connection, Indexes, ct);
    }

    /// <summary>
    /// Rows not yet finished (queued or processing) in both tables, read through the partial indexes; and whether any
    /// processor call has started yet (the workers are up).
    /// </summary>
    public static async Task<(long Remaining, bool CallsStarted)> ProgressAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM lease_items WHERE status = 'Queued')
                 + (SELECT count(*) FROM lease_items WHERE status = 'Processing')
                 + (SELECT count(*) FROM atomic_items WHERE status = 'Queued')
                 + (SELECT count(*) FROM atomic_items WHERE status = 'Processing'),
                   EXISTS (SELECT 1 FROM attempts)
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetBoolean(1));
    }

    /// <summary>Stores the faults the harness fired, so that the verdict's queries can tell which calls a fault interrupted.</summary>
    public static async Task RecordFaultsAsync(string connectionString, IEnumerable<FaultRecord> faults, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        foreach (var fault in faults)
        {
            await using var command = new NpgsqlCommand("INSERT INTO faults (kind, worker, started_at, ended_at) VALUES ($1, $2, $3, $4)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = fault.Kind });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)fault.Worker ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter { Value = fault.StartedAt });
            command.Parameters.Add(new NpgsqlParameter { Value = fault.EndedAt });
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Up to <paramref name="limit"/> unfinished rows of each table, processing first, with their lease, for a stall report.</summary>
    public static async Task<List<string>> UnfinishedSamplesAsync(string connectionString, int limit, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var samples = new List<string>();
        await using (var lease = new NpgsqlCommand(
            $"""
            SELECT id, status::text AS status_text, attempts, extract(epoch FROM lease_expires_at - now())::float8, claimed_by,
                   extract(epoch FROM next_attempt_at - now())::float8
            FROM lease_items WHERE status IN ('Queued', 'Processing')
            ORDER BY status DESC, lease_expires_at NULLS LAST, id LIMIT {limit}
            """,
            connection))
        {
            await using var reader = await lease.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var leaseText = reader.IsDBNull(3) ? "no lease"
                    : reader.GetDouble(3) < 0 ? $"lease expired {-reader.GetDouble(3):0.0} s ago" : $"lease {reader.GetDouble(3):0.0} s left";
                var due = reader.IsDBNull(5) ? string.Empty : $", next attempt in {reader.GetDouble(5):0.0} s";
                samples.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"lease_items {reader.GetInt64(0)}: {reader.GetString(1)}, attempts {reader.GetInt32(2)}, {leaseText}, claimed_by {(reader.IsDBNull(4) ? "none" : reader.GetString(4))}{due}"));
            }
        }

        await using var atomic = new NpgsqlCommand(
            $"SELECT id, status::text AS status_text FROM atomic_items WHERE status IN ('Queued', 'Processing') ORDER BY status DESC, id LIMIT {limit}", connection);
        await using var atomicReader = await atomic.ExecuteReaderAsync(ct);
        while (await atomicReader.ReadAsync(ct))
        {
            samples.Add(string.Create(CultureInfo.InvariantCulture, $"atomic_items {atomicReader.GetInt64(0)}: {atomicReader.GetString(1)}"));
        }

        return samples;
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A fault the harness fired: a SIGKILL of one worker, or a PostgreSQL restart (no worker), and when.</summary>
internal sealed record FaultRecord(string Kind, string? Worker, DateTimeOffset StartedAt, DateTimeOffset EndedAt)
{
    public const string Kill = "kill";
    public const string Restart = "restart";
}
