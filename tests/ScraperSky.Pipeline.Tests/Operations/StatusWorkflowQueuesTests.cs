using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Operations;

/// <summary>
/// The untyped queue API (<see cref="StatusRowFilter"/>), one instance for every workflow, and the errors of bad input.
/// </summary>
public sealed class StatusWorkflowQueuesTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Two workflows: lease mode over lease_items, and one over enum_items without error or updated-at column.</summary>
    private WorkflowHarness TwoWorkflows() => WorkflowHarness.Create<LeaseWorkDb>(db.ConnectionString, services =>
    {
        services.AddLeaseWorkflow("leases", _ => { });
        services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        services.AddStatusWorkflow<WorkItem, JobStatus>("plain")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>();
    });

    [Fact]
    public async Task AddStatusWorkflow_TwoWorkflows_OneQueuesServingBoth()
    {
        await using var harness = TwoWorkflows();

        var queues = harness.Queues();

        queues.Should().BeSameAs(harness.Services.GetRequiredService<IStatusWorkflowQueues>());
        queues.Get<LeaseItem>("leases").WorkflowName.Should().Be("leases");
        queues.Get<WorkItem>("plain").WorkflowName.Should().Be("plain");
    }

    [Fact]
    public async Task RowFilter_StatusesKeyErrorTextAndTime_CountAndQueueExactlyThoseRows()
    {
        await db.Database.ExecuteAsync("""
            INSERT INTO lease_items (status, error, updated_at) VALUES
              ('Error', 'Timeout talking to host', '2026-01-01T10:00:00Z'),
              ('Error', 'DNS failure', '2026-01-01T10:00:00Z'),
              ('Error', 'timeout again', '2026-01-03T10:00:00Z'),
              ('Completed', 'timeout', '2026-01-01T10:00:00Z'),
              ('Processing', 'timeout', '2026-01-01T10:00:00Z')
            """);
        await using var harness = TwoWorkflows();
        var queues = harness.Queues();
        var timeouts = new StatusRowFilter
        {
            Statuses = [StatusRole.Error, StatusRole.Processing],
            ErrorContains = "TIMEOUT",
            UpdatedFrom = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            UpdatedBefore = new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero),
        };

        (await queues.CountAsync("leases", new StatusRowFilter())).Should().Be(5);
        (await queues.CountAsync("leases", timeouts)).Should().Be(2);
        (await queues.CountAsync("leases", new StatusRowFilter { Key = "2" })).Should().Be(1);
        (await queues.CountAsync("leases", new StatusRowFilter { Key = "not a number" })).Should().Be(0);
        (await queues.QueueAsync("leases", timeouts)).Should().Be(1, "the processing row matches but is never queued");

        (await LeaseItems.DescribeAsync(db)).Should().Be("1:Queued/0, 2:Error/0 DNS failure, 3:Error/0 timeout again, 4:Completed/0 timeout, 5:Processing/0 timeout");
    }

    [Fact]
    public async Task CancelAsync_RowFilter_WorkflowWithoutErrorColumn_StillMovesQueuedRowsToError()
    {
        await db.SeedAsync("enum_items", 3);
        await db.Database.ExecuteAsync("UPDATE enum_items SET status = 'Completed' WHERE id = 3");
        await using var harness = TwoWorkflows();
        var progress = new RecordingProgress();

        var cancelled = await harness.Queues().CancelAsync("plain", new StatusRowFilter(), "no longer wanted", progress);

        cancelled.Should().Be(2);
        progress.Reports.Should().Equal(2);
        (await db.Database.CountByStatusAsync("enum_items")).Should().BeEquivalentTo(new Dictionary<string, long> { ["Error"] = 2, ["Completed"] = 1 });
    }

    [Fact]
    public async Task Get_UnknownNameOrWrongEntity_ThrowsNamingTheWorkflowAndListingTheRegistered()
    {
        await using var harness = TwoWorkflows();
        var queues = harness.Queues();

        queues.Invoking(q => q.Get<LeaseItem>("nope")).Should().Throw<ArgumentException>()
            .WithMessage("*'nope'*Registered: 'leases', 'plain'*");
        queues.Invoking(q => q.Get<WorkItem>("leases")).Should().Throw<ArgumentException>()
            .WithMessage("*'leases'*LeaseItem*WorkItem*Registered: 'leases', 'plain'*");
        await queues.Invoking(q => q.CountAsync("nope", new StatusRowFilter())).Should().ThrowAsync<ArgumentException>().WithMessage("*'nope'*'leases', 'plain'*");
    }

    [Fact]
    public async Task QueueAsync_UntranslatableFilter_ThrowsNamingTheWorkflowAndTheExpression()
    {
        await using var harness = TwoWorkflows();
        var queue = harness.Queues().Get<LeaseItem>("leases");

        await queue.Invoking(q => q.QueueAsync(x => x.Payload.StartsWith("a"))).Should().ThrowAsync<NotSupportedException>()
            .WithMessage("*'leases'*StartsWith*");
    }

    [Fact]
    public async Task RowFilter_TimeCriteriaWithoutUpdatedAt_ThrowsSayingSo()
    {
        await using var harness = TwoWorkflows();

        await harness.Queues().Invoking(q => q.QueueAsync("plain", new StatusRowFilter { UpdatedFrom = DateTimeOffset.UnixEpoch })).Should().ThrowAsync<ArgumentException>()
            .WithMessage("*'plain'*no updated-at column (UpdatedAt)*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CancelAsync_BlankReason_Throws(string reason)
    {
        await using var harness = TwoWorkflows();
        var queues = harness.Queues();

        await queues.Invoking(q => q.CancelAsync("leases", new StatusRowFilter(), reason)).Should().ThrowAsync<ArgumentException>().WithMessage("*'leases'*reason*");
        await queues.Get<LeaseItem>("leases").Invoking(q => q.CancelAsync(x => x.Id == 1, reason)).Should().ThrowAsync<ArgumentException>().WithMessage("*'leases'*reason*");
    }
}
