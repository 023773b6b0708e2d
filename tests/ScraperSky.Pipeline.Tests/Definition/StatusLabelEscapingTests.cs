using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NpgsqlTypes;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Definition;

/// <summary>
/// Regression (bad input, item 4): enum labels with quotes, backslashes, unicode and spaces. The label <c>Won't</c> used
/// to stop the host with 42601 (syntax error): every literal the library writes now goes through one escaping function.
/// </summary>
public sealed class StatusLabelEscapingTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string Ddl = """
        DO $$ BEGIN
            CREATE TYPE odd_status AS ENUM ('Won''t', 'say "hi"', 'C:\new\done ✓', 'ünïcødé error', 'on hold');
        EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        CREATE TABLE IF NOT EXISTS odd_atomic (id bigint PRIMARY KEY, status odd_status NOT NULL, error text, attempts int NOT NULL DEFAULT 0, lease_expires_at timestamptz, claimed_by text);
        CREATE TABLE IF NOT EXISTS odd_lease (LIKE odd_atomic INCLUDING ALL);
        TRUNCATE odd_atomic, odd_lease;
        """;

    public Task InitializeAsync() => db.ExecuteAsync(Ddl);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(ClaimMode.AtomicBatch, "odd_atomic")]
    [InlineData(ClaimMode.Lease, "odd_lease")]
    public async Task RunAsync_LabelsWithQuotesBackslashesUnicodeAndSpaces_ClaimsAndCompletes(ClaimMode mode, string table)
    {
        await db.ExecuteAsync($"INSERT INTO {table} (id, status) SELECT g, CASE WHEN g = 7 THEN 'on hold'::odd_status ELSE 'Won''t' END FROM generate_series(1, 7) AS g");
        await using var services = Build(mode, table);
        var workflow = services.GetServices<StatusWorkflow>().Single();
        var options = services.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("odd");

        await workflow.CheckSchemaAsync(CancellationToken.None);
        var result = await workflow.RunAsync(options, "odd", CancellationToken.None, CancellationToken.None);

        (await db.ScalarAsync<string>($"SELECT string_agg(id || '=' || status::text || coalesce('/' || error, ''), ',' ORDER BY id) FROM {table}"))
            .Should().Be(@"1=C:\new\done ✓,2=C:\new\done ✓,3=ünïcødé error/it's \ broken,4=C:\new\done ✓,5=C:\new\done ✓,6=C:\new\done ✓,7=on hold");
        (result.Completed, result.Failed).Should().Be((5, 1));
    }

    [Theory]
    [InlineData("Won't", "'Won''t'")]
    [InlineData("say \"hi\"", "'say \"hi\"'")]
    [InlineData(@"C:\new", @"E'C:\\new'")]
    [InlineData(@"it's C:\", @"E'it''s C:\\'")]
    [InlineData("ünï ✓", "'ünï ✓'")]
    public void Text_OddValue_IsQuotedSoPostgresReadsItBack(string value, string literal)
        => SqlLiteral.Text(value).Should().Be(literal);

    [Fact]
    public async Task Text_EveryOddValue_RoundTripsThroughPostgres()
    {
        string[] values = ["Won't", "say \"hi\"", @"C:\new\done", @"\\'\", "ünï ✓ ", " spaced  out "];
        foreach (var value in values)
        {
            (await db.ScalarAsync<string>("SELECT " + SqlLiteral.Text(value))).Should().Be(value);
        }
    }

    private ServiceProvider Build(ClaimMode mode, string table)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<OddDb>(o => TestSchema.Quiet(o).UseNpgsql(db.ConnectionString, n => n.MapEnum<OddStatus>("odd_status", nameTranslator: TestSchema.NameTranslator)));
        services.AddSingleton(new OddTable(table));
        var w = services.AddStatusWorkflow<OddItem, OddStatus>("odd");
        w.UseDbContext<OddDb>()
            .Status(x => x.Status, OddStatus.Queued, OddStatus.Processing, OddStatus.Completed, OddStatus.Error)
            .ErrorText(x => x.Error)
            .Where(x => x.Status != OddStatus.Held && !new[] { OddStatus.Held }.Contains(x.Status))
            .UseProcessor<OddProcessor>()
            .Configure(o =>
            {
                o.Mode = mode;
                o.WakeUp.InstallTrigger = true;
            });
        if (mode == ClaimMode.Lease)
        {
            w.Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy);
        }

        return services.BuildServiceProvider();
    }

    public enum OddStatus
    {
        [PgName("Won't")]
        Queued,
        [PgName("say \"hi\"")]
        Processing,
        [PgName(@"C:\new\done ✓")]
        Completed,
        [PgName("ünïcødé error")]
        Error,
        [PgName("on hold")]
        Held,
    }

    public sealed class OddItem
    {
        public long Id { get; set; }

        public OddStatus Status { get; set; }

        public string? Error { get; set; }

        public int Attempts { get; set; }

        public DateTimeOffset? LeaseExpiresAt { get; set; }

        public string? ClaimedBy { get; set; }
    }

    public sealed record OddTable(string Name);

    /// <summary>One context type over either table: the model is cached per table name.</summary>
    public sealed class OddDb(DbContextOptions<OddDb> options, OddTable table) : DbContext(options)
    {
        public string Table => table.Name;

        protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
            => optionsBuilder.ReplaceService<Microsoft.EntityFrameworkCore.Infrastructure.IModelCacheKeyFactory, TableCacheKey>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<OddItem>(e =>
            {
                e.ToTable(table.Name);
                e.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
                e.Property(x => x.Status).HasColumnName("status");
                e.Property(x => x.Error).HasColumnName("error");
                e.Property(x => x.Attempts).HasColumnName("attempts");
                e.Property(x => x.LeaseExpiresAt).HasColumnName("lease_expires_at");
                e.Property(x => x.ClaimedBy).HasColumnName("claimed_by");
            });
    }

    public sealed class TableCacheKey : Microsoft.EntityFrameworkCore.Infrastructure.IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime) => (context.GetType(), ((OddDb)context).Table, designTime);
    }

    public sealed class OddProcessor : IStatusItemProcessor<OddItem>
    {
        public ValueTask<ItemResult> ProcessAsync(OddItem item, StatusItemContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(item.Id == 3 ? ItemResult.Failed("it's \\ broken") : ItemResult.Completed);
    }
}
