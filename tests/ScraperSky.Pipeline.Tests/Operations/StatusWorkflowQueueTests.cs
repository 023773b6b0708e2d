using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Operations;

/// <summary>
/// The typed queue API over a lease-mode workflow with every optional column: what queueing writes, the rows it never
/// touches, the caller's transaction, keyset batches with progress and cancellation, and the wake-up notification.
/// </summary>
public sealed class StatusWorkflowQueueTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Inserts a row with all the bookkeeping a queueing must reset.</summary>
    private Task InsertAsync(string status, string tenant = "a", int count = 1)
        => db.Database.ExecuteAsync(
            "INSERT INTO lease_items (status, attempts, error, lease_expires_at, claimed_by, next_attempt_at, updated_at, tenant) " +
            $"SELECT '{status}', 3, 'old error', now() + interval '1 hour', 'host-1', now() + interval '1 day', '2000-01-01', '{tenant}' FROM generate_series(1, {count})");

    /// <summary>"status/attempts/error/lease,claim,next are null/updated-at is recent" of one row.</summary>
    private Task<string> RowAsync(long id)
        => db.Database.ScalarAsync<string>(
            "SELECT status::text || '/' || attempts || '/' || coalesce(error, '-') || '/' || (lease_expires_at IS NULL AND claimed_by IS NULL AND next_attempt_at IS NULL) || '/' || (updated_at > now() - interval '1 hour') " +
            $"FROM lease_items WHERE id = {id}");

    [Fact]
    public async Task QueueAsync_Filter_QueuesMatchingRowsWithFreshBookkeepingAndLeavesProcessingAlone()
    {
        await InsertAsync("Completed", tenant: "b");
        await InsertAsync("Error", tenant: "b");
        await InsertAsync("Processing", tenant: "b");
        await InsertAsync("Completed", tenant: "c");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "queue");

        var queued = await harness.Queues().Get<LeaseItem>("queue").QueueAsync(x => x.Tenant == "b");

        queued.Should().Be(2);
        (await RowAsync(1)).Should().Be("Queued/0/-/true/true");
        (await RowAsync(2)).Should().Be("Queued/0/-/true/true");
        (await RowAsync(3)).Should().Be("Processing/3/old error/false/false", "a processing row belongs to its host");
        (await RowAsync(4)).Should().Be("Completed/3/old error/false/false", "the filter does not match it");
    }

    [Fact]
    public async Task QueueAsync_WorkflowWithWhere_NeverQueuesRowsOutsideItsOwnFilter()
    {
        await InsertAsync("Completed", tenant: "a");
        await InsertAsync("Completed", tenant: "b");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "tenant_a", build: w => w.Where(x => x.Tenant == "a"));

        var queued = await harness.Queues().Get<LeaseItem>("tenant_a").QueueAsync(x => x.Priority == 0);

        queued.Should().Be(1);
        (await LeaseItems.StatusAsync(db, 1)).Should().Be("Queued");
        (await LeaseItems.StatusAsync(db, 2)).Should().Be("Completed");
    }

    [Fact]
    public async Task In_RolledBack_QueuesNothing_Committed_QueuesWithTheCallersOwnChange()
    {
        await InsertAsync("Completed", count: 2);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "dual");
        var queue = harness.Queues().Get<LeaseItem>("dual");

        await using (var scope = harness.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<LeaseWorkDb>();
            await using var transaction = await context.Database.BeginTransactionAsync();
            (await queue.In(context).QueueKeysAsync(new[] { 1L })).Should().Be(1);
            (await LeaseItems.StatusAsync(db, 1)).Should().Be("Completed", "another session sees nothing before the commit");
            await transaction.RollbackAsync();
        }

        (await LeaseItems.StatusAsync(db, 1)).Should().Be("Completed");

        await using (var scope = harness.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<LeaseWorkDb>();
            await using var transaction = await context.Database.BeginTransactionAsync();
            var item = await context.Set<LeaseItem>().SingleAsync(x => x.Id == 2);
            item.Payload = "selected";
            await context.SaveChangesAsync();
            (await queue.In(context).QueueAsync(x => x.Id == 2)).Should().Be(1);
            await transaction.CommitAsync();
        }

        (await db.Database.ScalarAsync<string>("SELECT status::text || ' ' || payload FROM lease_items WHERE id = 2")).Should().Be("Queued selected");
    }

    [Fact]
    public async Task QueueAsync_MoreRowsThanABatch_RunsKeysetBatchesAndReportsTheRunningTotal()
    {
        await InsertAsync("Completed", count: 10);
        await InsertAsync("Processing", count: 2);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "bulk");
        var progress = new RecordingProgress();

        var queued = await harness.Queues().WithBatchSize(3).Get<LeaseItem>("bulk").QueueAsync(x => x.Priority == 0, progress);

        queued.Should().Be(10);
        progress.Reports.Should().Equal(3, 6, 9, 10);
        (await LeaseItems.CountAsync(db, "Queued")).Should().Be(10);
        (await LeaseItems.CountAsync(db, "Processing")).Should().Be(2);
    }

    [Fact]
    public async Task QueueAsync_CancelledBetweenBatches_KeepsTheBatchesCommitted()
    {
        await InsertAsync("Completed", count: 10);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "stop");
        using var cancel = new CancellationTokenSource();
        var progress = new RecordingProgress(_ => cancel.Cancel());

        var run = () => harness.Queues().WithBatchSize(4).Get<LeaseItem>("stop").QueueAsync(x => x.Priority == 0, progress, cancel.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        progress.Reports.Should().Equal(4);
        (await LeaseItems.CountAsync(db, "Queued")).Should().Be(4);
    }

    [Fact]
    public async Task QueueKeysAsync_ManyKeysInChunks_QueuesKnownKeysNotProcessing()
    {
        await InsertAsync("Error", count: 5);
        await InsertAsync("Processing");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "keys");

        var queued = await harness.Queues().WithBatchSize(2).Get<LeaseItem>("keys").QueueKeysAsync(new long[] { 1, 2, 3, 5, 6, 99 });

        queued.Should().Be(4);
        (await LeaseItems.DescribeAsync(db)).Should().Be("1:Queued/0, 2:Queued/0, 3:Queued/0, 4:Error/3 old error, 5:Queued/0, 6:Processing/3 old error");
    }

    [Fact]
    public async Task RequeueErrorsAsync_TakesOnlyErrorRows()
    {
        await InsertAsync("Error", tenant: "a");
        await InsertAsync("Error", tenant: "b");
        await InsertAsync("Completed", tenant: "a");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "errors");
        var queue = harness.Queues().Get<LeaseItem>("errors");

        (await queue.RequeueErrorsAsync(x => x.Tenant == "a")).Should().Be(1);
        (await queue.RequeueErrorsAsync()).Should().Be(1);

        (await LeaseItems.DescribeAsync(db)).Should().Be("1:Queued/0, 2:Queued/0, 3:Completed/3 old error");
    }

    [Fact]
    public async Task QueueAsync_WithoutTrigger_NotifiesTheWorkflowsWakeUpChannel()
    {
        await InsertAsync("Completed");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "wake_me");
        var channel = harness.Services.GetRequiredService<StatusWorkflowScripts>().WakeUpChannel("wake_me");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'lease_items'::regclass AND NOT tgisinternal")).Should().Be(0);
        await using var listener = await ChannelListener.StartAsync(db.ConnectionString, channel);

        (await harness.Queues().Get<LeaseItem>("wake_me").QueueKeysAsync(new[] { 1L })).Should().Be(1);

        (await listener.Received.NextAsync()).Should().Be(channel);
    }

    [Fact]
    public async Task Queue_OnAHostWhereTheWorkflowIsDisabled_StillWorks()
    {
        await InsertAsync("Completed");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => o.Enabled = false, name: "off");

        (await harness.Queues().Get<LeaseItem>("off").QueueAsync(x => x.Id == 1)).Should().Be(1);

        (await LeaseItems.StatusAsync(db, 1)).Should().Be("Queued");
    }

    [Fact]
    public async Task CancelAsync_QueuedRows_BecomeErrorWithTheReason()
    {
        await InsertAsync("Queued", tenant: "a");
        await InsertAsync("Processing", tenant: "a");
        await InsertAsync("Queued", tenant: "b");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "cancel");

        var cancelled = await harness.Queues().Get<LeaseItem>("cancel").CancelAsync(x => x.Tenant == "a", "cancelled by an operator");

        cancelled.Should().Be(1);
        (await RowAsync(1)).Should().Be("Error/0/cancelled by an operator/true/true");
        (await RowAsync(2)).Should().StartWith("Processing/");
        (await RowAsync(3)).Should().StartWith("Queued/3/");
    }

    [Fact]
    public async Task CancelAsync_ShortErrorColumn_CutsTheReasonAsOutcomesAre()
    {
        await InsertAsync("Queued");
        await db.Database.ExecuteAsync("ALTER TABLE lease_items ALTER COLUMN error TYPE varchar(10)");
        try
        {
            await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "short");

            (await harness.Queues().Get<LeaseItem>("short").CancelAsync(x => x.Id == 1, "cancelled by an operator")).Should().Be(1);

            (await db.Database.ScalarAsync<string>("SELECT error FROM lease_items WHERE id = 1")).Should().Be("cancelled…");
        }
        finally
        {
            await db.Database.ExecuteAsync("ALTER TABLE lease_items ALTER COLUMN error TYPE text");
        }
    }
}
