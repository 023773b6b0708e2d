using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Claiming;

/// <summary>The start-up doctor against the real PostgreSQL (issue 4).</summary>
public sealed class WorkflowDoctorTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task CheckSchemaAsync_TableWithoutClaimIndex_WarnsWithTheCreateIndexStatement()
    {
        var logs = new LogSignal();
        await using var harness = WorkflowHarness.Create<TextWorkDb>(db.ConnectionString, RegisterText(StartupCheckMode.Warn), logs: logs);

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        logs.Events.Should().Contain(e => e.EventId == 4001
            && e.Message.Contains("no index serves the claim on text_items", StringComparison.Ordinal)
            && e.Message.Contains("CREATE INDEX CONCURRENTLY IF NOT EXISTS \"scrapersky_work_claim\" ON \"text_items\" (\"id\") WHERE \"status\" = 'Queued'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckSchemaAsync_DoctorFail_StopsWithTheFinding()
    {
        await using var harness = WorkflowHarness.Create<TextWorkDb>(db.ConnectionString, RegisterText(StartupCheckMode.Fail));

        var check = () => harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        (await check.Should().ThrowAsync<InvalidOperationException>()).WithMessage("Status workflow 'work' failed its start-up check (StartupCheck = Fail): no index serves the claim*");
    }

    [Fact]
    public async Task CheckSchemaAsync_PartialIndexPresent_NoFinding()
    {
        var logs = new LogSignal();
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => { o.StartupCheck = StartupCheckMode.Fail; o.WakeUp.Enabled = false; });

        var check = () => harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        await check.Should().NotThrowAsync();
    }

    [Fact]
    public async Task CheckSchemaAsync_LargeTableWithoutIndex_ReportsSequentialScan()
    {
        await db.Database.ExecuteAsync("CREATE TABLE IF NOT EXISTS big_items (LIKE text_items INCLUDING DEFAULTS); TRUNCATE big_items; INSERT INTO big_items (status) SELECT CASE WHEN g % 100 = 0 THEN 'Queued' ELSE 'Completed' END FROM generate_series(1, 20000) g; CREATE INDEX IF NOT EXISTS big_items_by_status_payload ON big_items (payload, status); ANALYZE big_items;");
        var logs = new LogSignal();
        await using var harness = WorkflowHarness.Create<BigItemsDb>(db.ConnectionString, services => services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<BigItemsDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>(), logs: logs);

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        logs.Events.Should().Contain(e => e.EventId == 4001 && e.Message.Contains("no index serves the claim on big_items", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckSchemaAsync_TimestampWithoutTimeZone_ReportsTheColumn()
    {
        await db.Database.ExecuteAsync("ALTER TABLE lease_items ALTER COLUMN next_attempt_at TYPE timestamp");
        try
        {
            var logs = new LogSignal();
            await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, logs: logs);

            await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

            logs.Events.Should().Contain(e => e.EventId == 4001 && e.Message.Contains("column \"next_attempt_at\" (next-attempt time) is timestamp without time zone", StringComparison.Ordinal));
        }
        finally
        {
            await db.Database.ExecuteAsync("ALTER TABLE lease_items ALTER COLUMN next_attempt_at TYPE timestamptz");
        }
    }

    [Fact]
    public async Task CheckSchemaAsync_RowsWithUnknownStatus_ReportedAndNeverClaimed()
    {
        await db.Database.ExecuteAsync("INSERT INTO text_items (status) VALUES ('Queued'), ('Paused'), ('Paused'), ('ManualReview')");
        var logs = new LogSignal();
        await using var harness = WorkflowHarness.Create<TextWorkDb>(db.ConnectionString, RegisterText(StartupCheckMode.Warn), logs: logs);

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);
        var result = await harness.RunAsync();

        result.Claimed.Should().Be(1);
        logs.Events.Should().Contain(e => e.EventId == 4002 && e.Message.Contains("2 rows have status 'Paused'", StringComparison.Ordinal));
        logs.Events.Should().Contain(e => e.EventId == 4002 && e.Message.Contains("'ManualReview'", StringComparison.Ordinal));
        (await db.Database.ScalarAsync<string>("SELECT string_agg(status, ',' ORDER BY id) FROM text_items")).Should().Be("Completed,Paused,Paused,ManualReview");
    }

    private static Action<IServiceCollection> RegisterText(StartupCheckMode doctor)
        => services => services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<TextWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o => { o.StartupCheck = doctor; o.WakeUp.Enabled = false; });

    public sealed class BigItemsDb(DbContextOptions<BigItemsDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<WorkItem>(e =>
            {
                e.ToTable("big_items");
                TestSchema.MapColumns(e);
                e.Property(x => x.Status).HasConversion<string>();
            });
    }
}
