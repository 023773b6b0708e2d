using System.Text;
using Microsoft.EntityFrameworkCore;

namespace ScraperSky.SampleHost.Data;

/// <summary>The sample application's session: its own tables, which the workflows process in place.</summary>
public sealed class ScraperSkyDb(DbContextOptions<ScraperSkyDb> options) : DbContext(options)
{
    public DbSet<Domain> Domains => Set<Domain>();

    public DbSet<SitemapFile> SitemapFiles => Set<SitemapFile>();

    public DbSet<Page> Pages => Set<Page>();

    public DbSet<PlaceStaging> PlacesStaging => Set<PlaceStaging>();

    public DbSet<LocalBusiness> LocalBusinesses => Set<LocalBusiness>();

    /// <summary>Configures Npgsql for this model: the PostgreSQL enum types keep the seeds' exact names and labels.</summary>
    public static void Configure(DbContextOptionsBuilder options, string connectionString)
        => options.UseNpgsql(connectionString, PostgresEnums.MapAll);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Domain>(e =>
        {
            e.ToTable("domains");
            e.Property(x => x.DomainName).HasColumnName("domain");
        });
        modelBuilder.Entity<SitemapFile>(e => e.ToTable("sitemap_files"));
        modelBuilder.Entity<Page>(e =>
        {
            e.ToTable("pages");
            e.Property(x => x.LastModified).HasColumnName("lastmod");
            e.Property(x => x.ChangeFrequency).HasColumnName("changefreq");
        });
        modelBuilder.Entity<PlaceStaging>(e => e.ToTable("places_staging"));
        modelBuilder.Entity<LocalBusiness>(e => e.ToTable("local_businesses"));

        // Every other column is the property's name in snake_case, as in the seeds' schema (SchemaScript).
        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(t => t.GetProperties()))
        {
            if (property.GetColumnName() == property.Name)
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    private static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
