using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Claiming;

/// <summary>
/// Regression (bad input, item 7): on a text status column a typo in the queued value ('Queued' configured, 'queued' in
/// the data) used to pass start-up and claim nothing, ever; counts from a 1,000-row sample read as exact; a CHECK
/// constraint refusing the queued value went unnoticed. The doctor now says so, and StartupCheck = Fail stops.
/// </summary>
public sealed class StatusValueDoctorTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        await db.Database.ExecuteAsync("CREATE INDEX IF NOT EXISTS text_items_queued ON text_items (id) WHERE status = 'Queued'; ALTER TABLE text_items DROP CONSTRAINT IF EXISTS text_status_check");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task CheckSchemaAsync_NoRowQueuedButRowsDifferOnlyInCase_ReportsTheNearMissAndNoIndexAdvice()
    {
        await db.SeedAsync("text_items", 1500, "'queued'");
        await db.Database.ExecuteAsync("DROP INDEX text_items_queued");
        var logs = new LogSignal();
        await using var harness = Harness(StartupCheckMode.Warn, logs);

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        logs.Messages(4001).Should().ContainSingle().Which.Should()
            .Contain("no row has the queued value 'Queued' of column \"status\", but rows have 'queued' (at least 1,000 rows), which differs only in case or spacing");
        logs.Messages(4003).Should().ContainSingle().Which.Should().Contain("at least 1000 rows have status 'queued'").And.Contain("sample of 1000");
        logs.Count(4002).Should().Be(0, "a count from a sample is never reported as exact");
    }

    [Fact]
    public async Task CheckSchemaAsync_NearMissAndDoctorFail_Stops()
    {
        await db.SeedAsync("text_items", 3, "'queued '");
        await using var harness = Harness(StartupCheckMode.Fail, new LogSignal());

        var check = () => harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        (await check.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*StartupCheck = Fail*no row has the queued value 'Queued'*'queued ' (3 rows)*");
    }

    [Fact]
    public async Task CheckSchemaAsync_NearMissBesideQueuedRows_WarnsButStarts()
    {
        await db.SeedAsync("text_items", 3, "'queued'");
        await db.SeedAsync("text_items", 2);
        var logs = new LogSignal();
        await using var harness = Harness(StartupCheckMode.Fail, logs);

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        logs.Messages(4001).Should().ContainSingle().Which.Should().Contain("rows have status 'queued' (3 rows), close to the queued value 'Queued'");
        logs.Messages(4002).Should().ContainSingle().Which.Should().Contain("3 rows have status 'queued'");
    }

    [Fact]
    public async Task CheckSchemaAsync_CheckConstraintRefusesTheQueuedValue_DoctorFailStops()
    {
        await db.Database.ExecuteAsync("ALTER TABLE text_items ADD CONSTRAINT text_status_check CHECK (status IN ('queued', 'processing', 'completed', 'error'))");
        await using var harness = Harness(StartupCheckMode.Fail, new LogSignal());

        var check = () => harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        (await check.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("*CHECK constraint text_status_check on text_items (CHECK ((status = ANY (ARRAY['queued'::text, *refuses the workflow's queued value 'Queued'*nothing would ever be claimed*");
    }

    [Fact]
    public async Task CheckSchemaAsync_CheckConstraintAllowingTheFourValuesAndAnEmptyTable_Starts()
    {
        await db.Database.ExecuteAsync("ALTER TABLE text_items ADD CONSTRAINT text_status_check CHECK (status IN ('Queued', 'Processing', 'Completed', 'Error', 'Archived'))");
        await using var harness = Harness(StartupCheckMode.Fail, new LogSignal());

        var check = () => harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        await check.Should().NotThrowAsync();
    }

    private WorkflowHarness Harness(StartupCheckMode doctor, LogSignal logs)
        => WorkflowHarness.Create<TextWorkDb>(
            db.ConnectionString,
            services => services.AddStatusWorkflow<WorkItem, JobStatus>("work")
                .UseDbContext<TextWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .UseProcessor<ScriptedProcessor>()
                .Configure(o => { o.StartupCheck = doctor; o.WakeUp.Enabled = false; }),
            logs: logs);
}
