using Microsoft.EntityFrameworkCore;
using Npgsql.NameTranslation;

namespace ScraperSky.Pipeline.Benchmarks.Suite;

/// <summary>The status values of the reference schema's <c>process_status</c> enum; the labels are the member names.</summary>
public enum ProcessStatus
{
    Queued,
    Processing,
    Completed,
    Error,
}

/// <summary>A row of the reference table <c>domains</c> (the shared bench scripts' schema, lease columns included).</summary>
public sealed class BenchDomain
{
    public long Id { get; set; }

    public string Domain { get; set; } = string.Empty;

    public ProcessStatus Status { get; set; }

    public int Attempts { get; set; }

    public string? ClaimedBy { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    public string? Error { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>The application's DbContext as a user of the library would write it: the reference table, enum mapped.</summary>
public sealed class BenchDb(DbContextOptions<BenchDb> options) : DbContext(options)
{
    // One instance for every options build. EF Core's Npgsql provider keys its data sources (connection pools) by the
    // enum mappings, which compare name translators by reference: `new NpgsqlNullNameTranslator()` inside the
    // options lambda, which AddDbContext runs once per scope, would build a new pool for every scope, leaking one
    // physical connection per batch until max_connections is exhausted.
    private static readonly NpgsqlNullNameTranslator NameTranslator = new();

    public DbSet<BenchDomain> Domains => Set<BenchDomain>();

    /// <summary>Points a context at a benchmark database, with the enum mapped as the library's users map it.</summary>
    public static void Configure(DbContextOptionsBuilder options, string connectionString)
        => options
            .UseNpgsql(connectionString, npgsql => npgsql.MapEnum<ProcessStatus>("process_status", nameTranslator: NameTranslator))
            // Every simulated host builds service providers of its own; EF Core would report that as a leak.
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.ManyServiceProvidersCreatedWarning));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
        => modelBuilder.Entity<BenchDomain>(e =>
        {
            e.ToTable("domains");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.Domain).HasColumnName("domain");
            e.Property(x => x.Status).HasColumnName("status");
            e.Property(x => x.Attempts).HasColumnName("attempts");
            e.Property(x => x.ClaimedBy).HasColumnName("claimed_by");
            e.Property(x => x.LeaseExpiresAt).HasColumnName("lease_expires_at");
            e.Property(x => x.Error).HasColumnName("error");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        });
}
