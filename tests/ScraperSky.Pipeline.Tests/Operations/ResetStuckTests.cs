using Npgsql;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Operations;

/// <summary>
/// Reset stuck in both claim modes: lease mode takes expired leases (every processing row only with force), atomic
/// mode takes processing rows no transaction holds; a dry run only counts.
/// </summary>
public sealed class ResetStuckTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private Task InsertProcessingAsync(string leaseExpiresAt)
        => db.Database.ExecuteAsync(
            "INSERT INTO lease_items (status, attempts, lease_expires_at, claimed_by, updated_at) " +
            $"VALUES ('Processing', 2, {leaseExpiresAt}, 'host-1', '2000-01-01')");

    [Fact]
    public async Task ResetStuckAsync_LeaseMode_TakesExpiredLeasesNeverALiveOneWithoutForce()
    {
        await InsertProcessingAsync("now() - interval '1 minute'");
        await InsertProcessingAsync("now() + interval '1 hour'");
        await InsertProcessingAsync("NULL");
        await db.Database.ExecuteAsync("INSERT INTO lease_items (status) VALUES ('Completed')");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "stuck");
        var queue = harness.Queues().Get<LeaseItem>("stuck");

        var wouldReset = await queue.ResetStuckAsync(dryRun: true);
        var afterDryRun = await LeaseItems.DescribeAsync(db);
        var reset = await queue.ResetStuckAsync();

        wouldReset.Should().Be(2);
        afterDryRun.Should().Be("1:Processing/2, 2:Processing/2, 3:Processing/2, 4:Completed/0", "a dry run changes nothing");
        reset.Should().Be(2);
        (await LeaseItems.DescribeAsync(db)).Should().Be("1:Queued/0, 2:Processing/2, 3:Queued/0, 4:Completed/0", "the live lease of row 2 is its host's");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM lease_items WHERE id IN (1, 3) AND lease_expires_at IS NULL AND claimed_by IS NULL AND updated_at > '2000-01-01'")).Should().Be(2);

        (await queue.ResetStuckAsync(dryRun: true, force: true)).Should().Be(1);
        (await queue.ResetStuckAsync(force: true)).Should().Be(1);
        (await LeaseItems.StatusAsync(db, 2)).Should().Be("Queued");
    }

    [Fact]
    public async Task ResetStuckAsync_AtomicMode_TakesProcessingRowsNoTransactionHolds()
    {
        await InsertProcessingAsync("NULL");
        await InsertProcessingAsync("NULL");
        await InsertProcessingAsync("now() + interval '1 hour'");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => o.Mode = ClaimMode.AtomicBatch, name: "atomic_stuck");
        var queues = harness.Queues();

        await using var holder = new NpgsqlConnection(db.ConnectionString);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT id FROM lease_items WHERE id = 1 FOR UPDATE", holder, transaction))
        {
            await lockRow.ExecuteScalarAsync();
        }

        var wouldReset = await queues.ResetStuckAsync("atomic_stuck", dryRun: true);
        var reset = await queues.ResetStuckAsync("atomic_stuck");
        var whileHeld = await LeaseItems.DescribeAsync(db);
        await transaction.CommitAsync();

        wouldReset.Should().Be(2);
        reset.Should().Be(2, "atomic mode has no leases: every processing row that no transaction holds is stuck");
        whileHeld.Should().Be("1:Processing/2, 2:Queued/0, 3:Queued/0");
        (await queues.ResetStuckAsync("atomic_stuck")).Should().Be(1);
        (await LeaseItems.CountAsync(db, "Processing")).Should().Be(0);
    }

    [Fact]
    public async Task ResetStuckAsync_MoreRowsThanABatch_ResetsThemAll()
    {
        for (var i = 0; i < 7; i++)
        {
            await InsertProcessingAsync("now() - interval '1 minute'");
        }

        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "stuck_bulk");

        (await harness.Queues().WithBatchSize(3).ResetStuckAsync("stuck_bulk")).Should().Be(7);

        (await LeaseItems.CountAsync(db, "Queued")).Should().Be(7);
    }
}
