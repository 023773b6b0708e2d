using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Engine;

/// <summary>
/// Issue 11 (finished work is never thrown away): while a host holds a row — waiting in a lane, running, or waiting for
/// its outcome to be written — its lease keeper renews the lease, so a second host never rescues and re-runs it.
/// Each test runs two hosts over one table with a lease shorter than the batch takes; the second polls every 250 ms,
/// as a fleet does, so it would rescue any lease that ran out.
/// </summary>
public sealed class LeaseKeeperTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// Issue 11, the reproduction: a batch of 6 items of 2 s each, one at a time, under a 4 s lease. The items waiting in
    /// the lane and the finished ones waiting for the batch's end keep their leases, so the second host finds nothing
    /// to rescue: every row completes, each item runs once.
    /// </summary>
    [Theory]
    [InlineData(6, 1)]
    [InlineData(9, 3)]
    public async Task SlowBatch_SecondHostRunning_EveryItemRunsOnceAndCompletes(int rows, int parallelism)
    {
        await db.SeedAsync("lease_items", rows);
        var script = new LeaseScript();
        var firstReturned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        script.Body = async (_, _, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            firstReturned.TrySetResult();
            return ItemResult.Completed;
        };

        await RunTwoHostsAsync(script, rows, o =>
        {
            o.Batch.Size = rows;
            o.Parallelism = parallelism;
            o.ItemTimeout = TimeSpan.FromSeconds(3);
            o.Lease.Duration = TimeSpan.FromSeconds(4);
        }, firstReturned.Task);
    }

    /// <summary>
    /// Issue 11: slow items that extend their own leases sit in one batch beside quick ones; the quick items finish
    /// first and wait for the batch's end, and their leases must not run out meanwhile.
    /// </summary>
    [Fact]
    public async Task QuickItemsBesideSelfExtendingSlowOnes_SecondHostRunning_EveryItemRunsOnceAndCompletes()
    {
        await LeaseItems.InsertAsync(db, "quick", "quick", "slow", "slow");
        var script = new LeaseScript();
        var firstReturned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        script.Body = async (item, context, ct) =>
        {
            if (item.Payload == "slow")
            {
                for (var i = 0; i < 6; i++)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                    (await context.ExtendLeaseAsync(cancellationToken: ct)).Should().BeTrue("the item still holds its lease");
                }
            }

            firstReturned.TrySetResult();
            return ItemResult.Completed;
        };

        await RunTwoHostsAsync(script, 4, o =>
        {
            o.Batch.Size = 4;
            o.Parallelism = 1;
            o.ItemTimeout = TimeSpan.FromSeconds(10);
            o.Lease.Duration = TimeSpan.FromSeconds(4);
        }, firstReturned.Task);
    }

    /// <summary>
    /// Issue 11: the keeper renews the lease of an item whose own transaction holds its row (the processor wrote the
    /// row through its session) without waiting on that lock or breaking the item's transaction: the item, running
    /// longer than the lease, completes once and its write is saved, with a second host ready to rescue.
    /// </summary>
    [Fact]
    public async Task ItemHoldingItsRowLock_LongerThanTheLease_CompletesOnceWithItsWrite()
    {
        await LeaseItems.InsertAsync(db, "locks its row");
        var script = new LeaseScript();
        var wrote = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        script.Body = async (item, context, ct) =>
        {
            item.Touches = 42;
            await context.DbContext.SaveChangesAsync(ct);
            wrote.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            return ItemResult.Completed;
        };
        Action<StatusWorkflowOptions> configure = o =>
        {
            o.Lease.Duration = TimeSpan.FromSeconds(2);
            o.Lease.RenewalInterval = TimeSpan.FromMilliseconds(200);
            o.ItemTimeout = TimeSpan.FromSeconds(30);
        };
        await using var first = await LeaseHost.StartAsync(db.ConnectionString, script, configure);
        await wrote.Task.WaitAsync(Ceiling);
        await using var second = await LeaseHost.StartAsync(db.ConnectionString, script, o =>
        {
            configure(o);
            o.Schedule.Interval = TimeSpan.FromMilliseconds(250);
        });

        (await Polling.UntilAsync(async () => await LeaseItems.StatusAsync(db, 1) is "Completed" or "Error" || script.Calls.Count > 1, Ceiling))
            .Should().BeTrue("the item ends within the ceiling; rows: {0}", await LeaseItems.DescribeAsync(db));

        (await LeaseItems.StatusAsync(db, 1)).Should().Be("Completed", "rows: {0}", await LeaseItems.DescribeAsync(db));
        script.Calls.Should().ContainSingle("the renewed lease never ran out, so no host ran the item again");
        (await db.Database.ScalarAsync<int>("SELECT touches FROM lease_items WHERE id = 1")).Should().Be(42, "the processor's write commits with its outcome");
    }

    /// <summary>
    /// Starts the first host, starts a second with the same registration once the first item has returned, and waits
    /// until every row is completed, a row ended as error, or some item ran twice; then asserts the first.
    /// </summary>
    private async Task RunTwoHostsAsync(LeaseScript script, int rows, Action<StatusWorkflowOptions> configure, Task firstReturned)
    {
        await using var first = await LeaseHost.StartAsync(db.ConnectionString, script, configure);
        await firstReturned.WaitAsync(Ceiling);
        await using var second = await LeaseHost.StartAsync(db.ConnectionString, script, o =>
        {
            configure(o);
            o.Schedule.Interval = TimeSpan.FromMilliseconds(250);
        });

        var ended = await Polling.UntilAsync(
            async () => script.Calls.Count > rows
                || await LeaseItems.CountAsync(db, "Completed") == rows
                || await LeaseItems.CountAsync(db, "Error") > 0,
            Ceiling);

        var state = await LeaseItems.DescribeAsync(db);
        ended.Should().BeTrue("the batch ends within the ceiling; rows: {0}", state);
        script.Calls.Should().HaveCount(rows, "no lease ran out, so no item was rescued and run again; calls: {0}; rows: {1}", string.Join(",", script.Calls), state);
        (await LeaseItems.CountAsync(db, "Completed")).Should().Be(rows, "rows: {0}", state);
    }
}
