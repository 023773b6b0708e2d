using Microsoft.EntityFrameworkCore;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>
/// Test database options whose contexts share one connection pool, as an application's do. EF Core compares options by
/// value, so the enum's name translator must be one instance: a new one per context (as
/// <see cref="TestSchema.UseTestDatabase"/> creates) gives every context an internal service provider and an Npgsql data
/// source — a connection pool — of its own, and pool limits such as <c>Maximum Pool Size</c> then never apply.
/// </summary>
public static class PooledTestDatabase
{
    private static readonly Npgsql.NameTranslation.NpgsqlNullNameTranslator Labels = new();

    public static DbContextOptionsBuilder Use(DbContextOptionsBuilder options, string connectionString)
        => TestSchema.Quiet(options).UseNpgsql(connectionString, npgsql => npgsql.MapEnum<JobStatus>("job_status", nameTranslator: Labels));
}
