using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Definition;

/// <summary>
/// Regression (bad input, item 6): an error column of <c>varchar(20)</c> used to fail the outcome statement (22001),
/// rolling back the whole atomic batch, which then backed off forever. Reasons are now cut to fit, ending with "…",
/// and the doctor reports a column too short to be useful.
/// </summary>
public sealed class ErrorColumnLengthTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private const string LongReason = "the remote server answered 503 Service Unavailable";

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        await db.Database.ExecuteAsync("ALTER TABLE enum_items ALTER COLUMN error TYPE varchar(20); ALTER TABLE lease_items ALTER COLUMN error TYPE varchar(20)");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAsync_AtomicBatchWithLongReasons_CutsThemAndCompletesTheRest()
    {
        await db.SeedAsync("enum_items", 4);
        var logs = new LogSignal();
        await using var harness = WorkflowHarness.Create<EnumWorkDb>(db.ConnectionString, services => services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>(), logs: logs);
        harness.Script.Body = (item, _, _) => ValueTask.FromResult(item.Id % 2 == 0 ? ItemResult.Failed(LongReason) : ItemResult.Completed);
        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        var result = await harness.RunAsync();

        (result.Completed, result.Failed).Should().Be((2, 2));
        (await db.Database.ScalarAsync<string>("SELECT string_agg(id || '=' || status::text || coalesce('/' || error, ''), ',' ORDER BY id) FROM enum_items"))
            .Should().Be("1=Completed,2=Error/the remote server a…,3=Completed,4=Error/the remote server a…");
        logs.Messages(4001).Should().Contain(m => m.Contains("column \"error\" (error text) holds at most 20 characters", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_LeaseModeWithLongReasons_CutsThemAndCompletesTheRest()
    {
        await db.SeedAsync("lease_items", 4);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        harness.LeaseScript.Body = (item, _, _) => ValueTask.FromResult(item.Id % 2 == 0 ? ItemResult.Failed(LongReason) : ItemResult.Completed);
        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT string_agg(id || '=' || status::text || coalesce('/' || error, ''), ',' ORDER BY id) FROM lease_items"))
            .Should().Be("1=Completed,2=Error/the remote server a…,3=Completed,4=Error/the remote server a…");
    }

    [Fact]
    public async Task CheckSchemaAsync_ShortErrorColumnAndDoctorFail_Stops()
    {
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => { o.StartupCheck = StartupCheckMode.Fail; o.WakeUp.Enabled = false; });

        var check = () => harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        (await check.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*column \"error\" (error text) holds at most 20 characters*use text*");
    }
}
