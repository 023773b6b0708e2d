using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ScraperSky.SampleHost.Data;

/// <summary>The sample application's session: its own tables, which the workflows process in place.</summary>
public sealed class ScraperSkyDb(DbContextOptions<ScraperSkyDb> options) : DbContext(options)
{
    public DbSet<Domain> Domains => Set<Domain>();

    /// <summary>Configures Npgsql for this model: the PostgreSQL enum types keep the seeds' exact labels.</summary>
    public static void Configure(DbContextOptionsBuilder options, string connectionString)
        => options.UseNpgsql(connectionString, npgsql => npgsql
            .MapEnum<DomainExtractionStatus>("DomainExtractionStatusEnum", nameTranslator: new Npgsql.NameTranslation.NpgsqlNullNameTranslator()));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
        => modelBuilder.Entity<Domain>(e =>
        {
            e.ToTable("domains");
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.DomainName).HasColumnName("domain");
            e.Property(x => x.Status).HasColumnName("status");
            e.Property(x => x.ErrorMessage).HasColumnName("error_message");
            e.Property(x => x.Tld).HasColumnName("tld");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        });
}
