using Microsoft.EntityFrameworkCore;

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
/// outcome commits. Its primary key (mode, item) makes a second completion of an item fail instead of hiding; its call
/// id says which processor call's outcome was written.
/// </summary>
internal sealed class LedgerEntry
{
    public string Mode { get; set; } = string.Empty;

    public long ItemId { get; set; }

    public string Worker { get; set; } = string.Empty;

    /// <summary>The processor call whose outcome this is: the same id as its <c>attempts</c> row.</summary>
    public Guid CallId { get; set; }
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
            e.Property(x => x.CallId).HasColumnName("call_id");
        });
    }
}
