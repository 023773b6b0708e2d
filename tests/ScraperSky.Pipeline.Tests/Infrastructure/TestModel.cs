using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>The status values of the test tables; as a PostgreSQL enum their labels are the member names.</summary>
public enum JobStatus
{
    Queued,
    Processing,
    Completed,
    Error,
}

/// <summary>A work item row: the same CLR type is mapped to one table per status storage kind.</summary>
public sealed class WorkItem
{
    public long Id { get; set; }

    public JobStatus Status { get; set; }

    public string? Error { get; set; }

    public string Payload { get; set; } = string.Empty;

    public int Touches { get; set; }
}

/// <summary>A work item with every optional column of lease mode.</summary>
public sealed class LeaseItem
{
    public long Id { get; set; }

    public JobStatus Status { get; set; }

    public string? Error { get; set; }

    public string Payload { get; set; } = string.Empty;

    public int Touches { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public string? ClaimedBy { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public int Priority { get; set; }

    public string Tenant { get; set; } = "a";
}

/// <summary>Lease items (table <c>lease_items</c>) plus the execution ledger.</summary>
public sealed class LeaseWorkDb(DbContextOptions<LeaseWorkDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<LeaseItem>(e =>
        {
            e.ToTable("lease_items");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.Status).HasColumnName("status");
            e.Property(x => x.Error).HasColumnName("error");
            e.Property(x => x.Payload).HasColumnName("payload");
            e.Property(x => x.Touches).HasColumnName("touches");
            e.Property(x => x.Attempts).HasColumnName("attempts");
            e.Property(x => x.LeaseExpiresAt).HasColumnName("lease_expires_at");
            e.Property(x => x.ClaimedBy).HasColumnName("claimed_by");
            e.Property(x => x.NextAttemptAt).HasColumnName("next_attempt_at");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            e.Property(x => x.Priority).HasColumnName("priority");
            e.Property(x => x.Tenant).HasColumnName("tenant");
        });
        modelBuilder.Entity<Execution>(e =>
        {
            e.ToTable("executions");
            e.HasKey(x => x.ItemId);
            e.Property(x => x.ItemId).HasColumnName("item_id").ValueGeneratedNever();
            e.Property(x => x.Worker).HasColumnName("worker");
        });
    }
}

/// <summary>A ledger row written by processors: its primary key makes a second execution of an item fail.</summary>
public sealed class Execution
{
    public long ItemId { get; set; }

    public string Worker { get; set; } = string.Empty;
}

/// <summary>Status stored as the PostgreSQL enum <c>job_status</c>.</summary>
public sealed class EnumWorkDb(DbContextOptions<EnumWorkDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WorkItem>(e =>
        {
            e.ToTable("enum_items");
            TestSchema.MapColumns(e);
        });
        modelBuilder.Entity<Execution>(e =>
        {
            e.ToTable("executions");
            e.HasKey(x => x.ItemId);
            e.Property(x => x.ItemId).HasColumnName("item_id").ValueGeneratedNever();
            e.Property(x => x.Worker).HasColumnName("worker");
        });
    }
}

/// <summary>Status stored as text.</summary>
public sealed class TextWorkDb(DbContextOptions<TextWorkDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
        => modelBuilder.Entity<WorkItem>(e =>
        {
            e.ToTable("text_items");
            TestSchema.MapColumns(e);
            e.Property(x => x.Status).HasConversion<string>();
        });
}

/// <summary>Status stored as an integer.</summary>
public sealed class IntWorkDb(DbContextOptions<IntWorkDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
        => modelBuilder.Entity<WorkItem>(e =>
        {
            e.ToTable("int_items");
            TestSchema.MapColumns(e);
            e.Property(x => x.Status).HasConversion<int>();
        });
}

/// <summary>Mixed case, spaces and a schema other than public in every name.</summary>
public sealed class QuirkyWorkDb(DbContextOptions<QuirkyWorkDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
        => modelBuilder.Entity<WorkItem>(e =>
        {
            e.ToTable("Work Items", "My Schema");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("Item ID");
            e.Property(x => x.Status).HasColumnName("Status Value").HasConversion<string>();
            e.Property(x => x.Error).HasColumnName("Error Text");
            e.Property(x => x.Payload).HasColumnName("Payload");
            e.Property(x => x.Touches).HasColumnName("Touches");
        });
}

/// <summary>Maps the status as an integer although the table's column is the enum: a TStatus/column mismatch.</summary>
public sealed class MismatchedWorkDb(DbContextOptions<MismatchedWorkDb> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
        => modelBuilder.Entity<WorkItem>(e =>
        {
            e.ToTable("enum_items");
            TestSchema.MapColumns(e);
            e.Property(x => x.Status).HasConversion<int>();
        });
}

/// <summary>The DDL of the test tables and the options every test context uses.</summary>
public static class TestSchema
{
    public const string Ddl = """
        CREATE TYPE job_status AS ENUM ('Queued', 'Processing', 'Completed', 'Error');
        CREATE TABLE enum_items (id bigserial PRIMARY KEY, status job_status NOT NULL DEFAULT 'Queued', error text, payload text NOT NULL DEFAULT '', touches int NOT NULL DEFAULT 0);
        CREATE INDEX enum_items_queued ON enum_items (id) WHERE status = 'Queued';
        CREATE TABLE text_items (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'Queued', error text, payload text NOT NULL DEFAULT '', touches int NOT NULL DEFAULT 0);
        CREATE TABLE int_items (id bigserial PRIMARY KEY, status int NOT NULL DEFAULT 0, error text, payload text NOT NULL DEFAULT '', touches int NOT NULL DEFAULT 0);
        CREATE SCHEMA "My Schema";
        CREATE TABLE "My Schema"."Work Items" ("Item ID" bigserial PRIMARY KEY, "Status Value" text NOT NULL DEFAULT 'Queued', "Error Text" text, "Payload" text NOT NULL DEFAULT '', "Touches" int NOT NULL DEFAULT 0);
        CREATE TABLE executions (item_id bigint PRIMARY KEY, worker text NOT NULL);
        CREATE TABLE lease_items (
            id bigserial PRIMARY KEY, status job_status NOT NULL DEFAULT 'Queued', error text, payload text NOT NULL DEFAULT '',
            touches int DEFAULT 0, attempts int NOT NULL DEFAULT 0, lease_expires_at timestamptz, claimed_by text,
            next_attempt_at timestamptz, updated_at timestamptz, priority int NOT NULL DEFAULT 0, tenant text NOT NULL DEFAULT 'a');
        CREATE INDEX lease_items_queued ON lease_items (id) WHERE status = 'Queued';
        """;

    public const string Truncate = """
        TRUNCATE enum_items, text_items, int_items, "My Schema"."Work Items", executions, lease_items RESTART IDENTITY;
        """;

    public static void MapColumns(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<WorkItem> e)
    {
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id");
        e.Property(x => x.Status).HasColumnName("status");
        e.Property(x => x.Error).HasColumnName("error");
        e.Property(x => x.Payload).HasColumnName("payload");
        e.Property(x => x.Touches).HasColumnName("touches");
    }

    public static void UseTestDatabase(DbContextOptionsBuilder options, string connectionString)
        => Quiet(options).UseNpgsql(connectionString, npgsql => npgsql.MapEnum<JobStatus>("job_status", nameTranslator: NameTranslator));

    /// <summary>
    /// One translator for every options build: EF Core's Npgsql provider keys its data sources (connection pools) by the
    /// enum mappings, comparing translators by reference, so a new one per scope would build a new pool per scope.
    /// </summary>
    public static readonly Npgsql.NameTranslation.NpgsqlNullNameTranslator NameTranslator = new();

    /// <summary>Every test builds service providers of its own, which EF Core would otherwise report as a leak.</summary>
    public static DbContextOptionsBuilder Quiet(DbContextOptionsBuilder options)
        => options.ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.ManyServiceProvidersCreatedWarning));
}
