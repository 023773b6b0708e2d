using Microsoft.EntityFrameworkCore;
using Npgsql;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Tests.Infrastructure;

namespace ScraperSky.SampleHost.Tests.Data;

/// <summary>The versioned schema script: document 003's enum types exactly, and a second application is a no-op.</summary>
public sealed class SchemaScriptTests
{
    [Fact]
    public async Task ApplyAsync_Twice_RecordsEachVersionOnceAndChangesNothing()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        await SchemaScript.ApplyAsync(connectionString);
        var before = await ScalarAsync<string>(connectionString, "SELECT string_agg(table_name || '.' || column_name, ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public'");

        await SchemaScript.ApplyAsync(connectionString);

        (await ScalarAsync<string>(connectionString, "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_versions")).Should().Be("1,2");
        (await ScalarAsync<string>(connectionString, "SELECT string_agg(table_name || '.' || column_name, ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public'"))
            .Should().Be(before);
        SchemaScript.LatestVersion.Should().Be(2);
    }

    [Theory]
    [InlineData("DomainExtractionStatusEnum", "Queued,Processing,Completed,Error")]
    [InlineData("SitemapAnalysisStatusEnum", "Queued,Processing,Completed,Error")]
    [InlineData("SitemapCurationStatusEnum", "New,Selected,Maybe,Not a Fit,Archived")]
    [InlineData("gcp_api_deep_scan_status_enum", "Queued,Processing,Completed,Error")]
    [InlineData("sitemap_file_status_enum", "Pending,Processing,Completed,Error")]
    [InlineData("sitemap_import_status_enum", "Queued,Processing,Completed,Error")]
    [InlineData("task_status", "Queued,InProgress,Completed,Error,ManualReview,Cancelled,Paused")]
    public async Task ApplyAsync_CreatesDocument003EnumTypesExactly(string type, string labels)
    {
        var connectionString = await SharedDatabase.Value;

        var actual = await ScalarAsync<string>(connectionString, $"SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = '{type}'");

        actual.Should().Be(labels);
    }

    [Fact]
    public async Task ApplyAsync_EveryQueuedStatusHasAPartialIndex()
    {
        var connectionString = await SharedDatabase.Value;

        var predicates = await ScalarAsync<string>(connectionString, "SELECT string_agg(tablename || ': ' || substring(indexdef from 'WHERE (.*)$'), ' | ' ORDER BY tablename, indexname) FROM pg_indexes WHERE indexdef LIKE '%WHERE%Queued%' OR indexdef LIKE '%WHERE%Pending%'");

        predicates.Should().Contain("domains: (status = 'Queued'").And.Contain("domains: (sitemap_analysis_status = 'Queued'")
            .And.Contain("sitemap_files: (status = 'Pending'").And.Contain("sitemap_files: (sitemap_import_status = 'Queued'")
            .And.Contain("places_staging: (deep_scan_status = 'Queued'");
    }

    [Fact]
    public async Task Model_NotAFit_RoundTripsThroughTheEnumLabelWithSpaces()
    {
        var connectionString = await SharedDatabase.Value;
        var options = new DbContextOptionsBuilder<ScraperSkyDb>();
        ScraperSkyDb.Configure(options, connectionString);
        await using (var db = new ScraperSkyDb(options.Options))
        {
            db.Domains.Add(new Domain { DomainName = "round-trip.example", SitemapCurationStatus = SitemapCurationStatus.NotAFit, CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        await using var read = new ScraperSkyDb(options.Options);
        (await read.Domains.Where(d => d.SitemapCurationStatus == SitemapCurationStatus.NotAFit).Select(d => d.DomainName).ToListAsync()).Should().Equal("round-trip.example");
        (await ScalarAsync<string>(connectionString, "SELECT sitemap_curation_status::text FROM domains WHERE domain = 'round-trip.example'")).Should().Be("Not a Fit");
    }

    private static readonly Lazy<Task<string>> SharedDatabase = new(async () =>
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        await SchemaScript.ApplyAsync(connectionString);
        return connectionString;
    });

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
