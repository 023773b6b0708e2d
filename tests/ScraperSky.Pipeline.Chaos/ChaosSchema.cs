using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>The status values of both chaos tables; as the PostgreSQL enum <c>chaos_status</c> their labels are the member names.</summary>
internal enum ChaosStatus
{
    Queued,
    Processing,
    Completed,
    Error,
}

/// <summary>A row of <c>lease_items</c>: processed in lease mode, with every lease column.</summary>
internal sealed class LeaseItem
{
    public long Id { get; set; }

    public ChaosStatus Status { get; set; }

    public string? Error { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public string? ClaimedBy { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }
}

/// <summary>A row of <c>atomic_items</c>: processed in atomic-batch mode.</summary>
internal sealed class AtomicItem
{
    public long Id { get; set; }

    public ChaosStatus Status { get; set; }

    public string? Error { get; set; }
}

/// <summary>
/// A row of the ledger, written by the processor through the loop's session, so it commits if and only if the item's
/// outcome commits. Its primary key (mode, item) makes a second completion of an item fail instead of hiding.
/// </summary>
internal sealed class LedgerEntry
{
    public string Mode { get; set; } = string.Empty;

    public long ItemId { get; set; }

    public string Worker { get; set; } = string.Empty;
}

/// <summary>The worker's session over both tables and the ledger.</summary>
internal sealed class ChaosDb(DbContextOptions<ChaosDb> options) : DbContext(options)
{
    // One translator for every context: EF Core compares options by value, and a fresh translator per context would
    // make each context build an internal service provider of its own (an error after twenty of them).
    private static readonly Npgsql.NameTranslation.NpgsqlNullNameTranslator LabelsAsNamed = new();

    public static void Configure(DbContextOptionsBuilder options, string connectionString)
        => options.UseNpgsql(connectionString, n => n.MapEnum<ChaosStatus>("chaos_status", nameTranslator: LabelsAsNamed));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LeaseItem>(e =>
        {
            e.ToTable("lease_items");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(x => x.Status).HasColumnName("status");
            e.Property(x => x.Error).HasColumnName("error");
            e.Property(x => x.Attempts).HasColumnName("attempts");
            e.Property(x => x.LeaseExpiresAt).HasColumnName("lease_expires_at");
            e.Property(x => x.ClaimedBy).HasColumnName("claimed_by");
            e.Property(x => x.NextAttemptAt).HasColumnName("next_attempt_at");
        });
        modelBuilder.Entity<AtomicItem>(e =>
        {
            e.ToTable("atomic_items");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(x => x.Status).HasColumnName("status");
            e.Property(x => x.Error).HasColumnName("error");
        });
        modelBuilder.Entity<LedgerEntry>(e =>
        {
            e.ToTable("ledger");
            e.HasKey(x => new { x.Mode, x.ItemId });
            e.Property(x => x.Mode).HasColumnName("mode");
            e.Property(x => x.ItemId).HasColumnName("item_id").ValueGeneratedNever();
            e.Property(x => x.Worker).HasColumnName("worker");
        });
    }
}

/// <summary>The chaos database: DDL, seeding and the queries of the final verdict.</summary>
internal static class ChaosSchema
{
    public const string LeaseMode = "lease";
    public const string AtomicMode = "atomic";

    /// <summary>
    /// Both work tables with the indexes the doctor asks for and room for HOT updates; the ledger; and the attempts table,
    /// append-only and written outside the item's transaction, which counts executions (including those whose work
    /// was rolled back by a kill or a restart).
    /// </summary>
    private const string Ddl = """
        CREATE TYPE chaos_status AS ENUM ('Queued', 'Processing', 'Completed', 'Error');
        CREATE TABLE lease_items (
            id bigint PRIMARY KEY, status chaos_status NOT NULL DEFAULT 'Queued', error text,
            attempts int NOT NULL DEFAULT 0, lease_expires_at timestamptz, claimed_by text, next_attempt_at timestamptz)
            WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
        CREATE TABLE atomic_items (id bigint PRIMARY KEY, status chaos_status NOT NULL DEFAULT 'Queued', error text)
            WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
        CREATE TABLE ledger (mode text NOT NULL, item_id bigint NOT NULL, worker text NOT NULL, PRIMARY KEY (mode, item_id));
        CREATE TABLE attempts (mode text NOT NULL, item_id bigint NOT NULL, worker text NOT NULL);
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

    /// <summary>Rows not yet finished (queued or processing) in both tables, read through the partial indexes.</summary>
    public static async Task<long> RemainingAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM lease_items WHERE status = 'Queued')
                 + (SELECT count(*) FROM lease_items WHERE status = 'Processing')
                 + (SELECT count(*) FROM atomic_items WHERE status = 'Queued')
                 + (SELECT count(*) FROM atomic_items WHERE status = 'Processing')
            """,
            connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>What the final check found in one table.</summary>
    public static async Task<TableVerdict> InspectAsync(string connectionString, string table, string mode, int expected, CancellationToken ct)
    {
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
              (SELECT count(*) FROM {table} AS t WHERE t.status = 'Completed'
                 AND NOT EXISTS (SELECT 1 FROM ledger AS l WHERE l.mode = @mode AND l.item_id = t.id)),
              (SELECT count(*) FROM ledger AS l WHERE l.mode = @mode
                 AND NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.id = l.item_id AND t.status = 'Completed')),
              (SELECT count(*) - count(DISTINCT item_id) FROM ledger WHERE mode = @mode),
              (SELECT count(*) FROM attempts WHERE mode = @mode),
              (SELECT count(DISTINCT item_id) FROM attempts WHERE mode = @mode),
              (SELECT count(*) FROM {table} AS t WHERE t.status = 'Completed'
                 AND NOT EXISTS (SELECT 1 FROM attempts AS a WHERE a.mode = @mode AND a.item_id = t.id)),
              (SELECT count(*) FROM {table} WHERE status = 'Error' AND error LIKE '%duplicate key%')
            """,
            connection);
        command.Parameters.AddWithValue("mode", mode);
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
            CompletedWithoutLedger: At(6),
            LedgerWithoutCompletion: At(7),
            LedgerDuplicates: At(8),
            Executions: At(9),
            ItemsExecuted: At(10),
            CompletedWithoutExecution: At(11),
            DuplicateKeyErrors: At(12));
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
            $"SELECT item_id, string_agg(worker, ',') FROM attempts WHERE mode = @mode GROUP BY item_id HAVING count(*) > 1 ORDER BY item_id LIMIT {limit}",
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

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>The final state of one table, and of its ledger and executions.</summary>
internal sealed record TableVerdict(
    string Mode,
    int Expected,
    long Rows,
    long Completed,
    long ErrorWithReason,
    long ErrorWithoutReason,
    long Queued,
    long Processing,
    long CompletedWithoutLedger,
    long LedgerWithoutCompletion,
    long LedgerDuplicates,
    long Executions,
    long ItemsExecuted,
    long CompletedWithoutExecution,
    long DuplicateKeyErrors)
{
    /// <summary>Rows that vanished or never finished: still queued, or missing from the table.</summary>
    public long Lost => Queued + Math.Max(0, Expected - Rows);

    /// <summary>Completions the ledger does not show exactly once.</summary>
    public long DoubleCompleted => CompletedWithoutLedger + LedgerWithoutCompletion + LedgerDuplicates;

    /// <summary>Rows left processing (a lease never rescued), or ended as error without a reason.</summary>
    public long Stuck => Processing + ErrorWithoutReason;

    /// <summary>Executions beyond one per item: work repeated because a kill or a restart rolled it back.</summary>
    public long ExtraExecutions => Executions - ItemsExecuted;
}
