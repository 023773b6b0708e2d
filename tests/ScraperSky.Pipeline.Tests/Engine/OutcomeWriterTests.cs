using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Engine;

/// <summary>
/// Issue 11 (finished work is never thrown away): in lease mode an item's outcome is written as soon as the item
/// finishes, not at the end of its batch, and no batch-mate — not even a processor that hangs holding its row lock —
/// can hold it back.
/// </summary>
public sealed class OutcomeWriterTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// Issue 11: the outcome of a finished item is in the database while its batch-mate still runs. The second item
    /// waits until the test has seen the first one completed in the table, so an engine that writes at the end of the
    /// batch never gets there.
    /// </summary>
    [Fact]
    public async Task FinishedItem_WhileItsBatchMateRuns_IsCompletedInTheDatabase()
    {
        await LeaseItems.InsertAsync(db, "quick", "waits");
        var script = new LeaseScript();
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        script.Body = async (item, _, ct) =>
        {
            if (item.Payload == "waits")
            {
                waiting.TrySetResult();
                await release.Task.WaitAsync(ct);
            }

            return ItemResult.Completed;
        };
        await using var host = await LeaseHost.StartAsync(db.ConnectionString, script, o =>
        {
            o.Batch.Size = 2;
            o.Parallelism = 1;
        });

        bool seen;
        try
        {
            await waiting.Task.WaitAsync(Ceiling);
            seen = await Polling.UntilAsync(async () => await LeaseItems.StatusAsync(db, 1) == "Completed");
        }
        finally
        {
            release.TrySetResult();
        }

        seen.Should().BeTrue("the quick item's outcome is written while its batch-mate runs; rows: {0}", await LeaseItems.DescribeAsync(db));
        (await Polling.UntilAsync(async () => await LeaseItems.StatusAsync(db, 2) == "Completed")).Should().BeTrue("rows: {0}", await LeaseItems.DescribeAsync(db));
        script.Calls.Should().Equal(1, 2);
    }

    /// <summary>
    /// Issue 11: a processor that writes its row (taking the row lock), then ignores its cancellation and hangs, is
    /// walked away from after ItemTimeout and the grace: its batch-mate's outcome is written regardless, its own row gets
    /// the timed-out outcome through the retry policy and completes on a second attempt, and nothing the hung processor
    /// writes later lands — its transaction was ended in the database, so its session refuses further commands.
    /// </summary>
    [Fact]
    public async Task HungProcessorHoldingItsRowLock_IsRetriedAndNeverBlocksOrLandsALateWrite()
    {
        await LeaseItems.InsertAsync(db, "hangs", "quick");
        var script = new LeaseScript();
        var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lateSave = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        script.Body = async (item, context, ct) =>
        {
            if (item.Payload != "hangs" || context.Attempt > 1)
            {
                return ItemResult.Completed;
            }

            item.Touches = 1;
            await context.DbContext.SaveChangesAsync(ct);
            hanging.TrySetResult();

            // Ignores its token: the engine must walk away from it.
            await release.Task;
            try
            {
                item.Touches = 2;
                item.Payload = "late write";
                await context.DbContext.SaveChangesAsync(CancellationToken.None);
                lateSave.TrySetResult(null);
            }
            catch (Exception ex)
            {
                lateSave.TrySetResult(ex);
            }

            return ItemResult.Completed;
        };

        await using var host = await LeaseHost.StartAsync(db.ConnectionString, script, o =>
        {
            o.Batch.Size = 2;
            o.Parallelism = 1;
            o.ItemTimeout = TimeSpan.FromSeconds(1);
            o.Retry.MaxAttempts = 3;
            o.Retry.Delay = TimeSpan.Zero;
            o.Schedule.Interval = TimeSpan.FromMilliseconds(250);
        });
        try
        {
            await hanging.Task.WaitAsync(Ceiling);

            (await Polling.UntilAsync(async () => await LeaseItems.StatusAsync(db, 2) == "Completed"))
                .Should().BeTrue("the quick item's outcome is not held back by the hung item's row lock; rows: {0}", await LeaseItems.DescribeAsync(db));
            (await Polling.UntilAsync(async () => await LeaseItems.StatusAsync(db, 1) is "Completed" or "Error"))
                .Should().BeTrue("the hung item's row is released and retried; rows: {0}", await LeaseItems.DescribeAsync(db));

            (await LeaseItems.StatusAsync(db, 1)).Should().Be("Completed", "rows: {0}", await LeaseItems.DescribeAsync(db));
            script.Calls.Count(id => id == 1).Should().Be(2, "the timed-out attempt is retried once");
            script.Calls.Count(id => id == 2).Should().Be(1);

            release.TrySetResult();
            var late = await lateSave.Task.WaitAsync(Ceiling);
            late.Should().NotBeNull("the abandoned processor's session no longer accepts commands");
            (await db.Database.ScalarAsync<string>("SELECT payload || '/' || touches FROM lease_items WHERE id = 1"))
                .Should().Be("hangs/0", "neither the abandoned attempt's first write nor its late one lands");
        }
        finally
        {
            release.TrySetResult();
        }
    }
}
