using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Reliability;

/// <summary>
/// A host stopped in the middle of a batch (issue 8): items in flight finish or go back to the queue, nothing is left
/// processing, and the next host completes every row exactly once (the ledger).
/// </summary>
public sealed class HostStopTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StopAsync_DuringALeaseBatch_InFlightAndUnstartedItemsReturnToTheQueueAndTheNextHostCompletesThemOnce()
    {
        await db.SeedAsync("lease_items", 6);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var first = BuildLeaseHost(async (item, context, ct) =>
        {
            if (item.Id == 3)
            {
                inside.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "first" });
            return ItemResult.Completed;
        }))
        {
            await first.StartAsync();
            await inside.Task.WaitAsync(Ceiling);
            await first.StopAsync().WaitAsync(Ceiling);
        }

        var afterStop = await db.Database.ScalarAsync<string>("SELECT string_agg(id || ':' || status::text || '/' || attempts, ',' ORDER BY id) FROM lease_items");
        using (var second = BuildLeaseHost(CompleteWithLedger("second")))
        {
            await second.StartAsync();
            var drained = await WaitUntilCompletedAsync("lease_items", 6);
            await second.StopAsync().WaitAsync(Ceiling);
            drained.Should().BeTrue();
        }

        afterStop.Should().Be("1:Completed/0,2:Completed/0,3:Queued/0,4:Queued/0,5:Queued/0,6:Queued/0", "the stopped item and the unstarted ones go back with their attempt given back");
        (await db.Database.ScalarAsync<string>("SELECT string_agg(item_id || ':' || worker, ',' ORDER BY item_id) FROM executions"))
            .Should().Be("1:first,2:first,3:second,4:second,5:second,6:second");
    }

    [Fact]
    public async Task StopAsync_ProcessorIgnoresTheStop_ItemIsLeftBehindQueuedNotProcessing()
    {
        await db.SeedAsync("lease_items", 1);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource<ItemResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var first = BuildLeaseHost(
            (_, _, _) =>
            {
                inside.TrySetResult();
                return new ValueTask<ItemResult>(release.Task);
            },
            retryDelay: TimeSpan.Zero))
        {
            await first.StartAsync();
            await inside.Task.WaitAsync(Ceiling);
            // The host gives up on the processor after the library's grace period instead of waiting for it.
            await first.StopAsync().WaitAsync(Ceiling);
        }

        var afterStop = await db.Database.ScalarAsync<string>("SELECT status::text || '/' || attempts FROM lease_items");
        release.SetResult(ItemResult.Completed);
        using (var second = BuildLeaseHost(CompleteWithLedger("second"), retryDelay: TimeSpan.Zero))
        {
            await second.StartAsync();
            var drained = await WaitUntilCompletedAsync("lease_items", 1);
            await second.StopAsync().WaitAsync(Ceiling);
            drained.Should().BeTrue();
        }

        afterStop.Should().Be("Queued/0", "an item walked away from because the host stopped goes back with its attempt given back");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(1);
    }

    [Fact]
    public async Task StopAsync_DuringAnAtomicBatch_FinishedItemsCommitTheRestStayQueuedAndTheNextHostCompletesThemOnce()
    {
        await db.SeedAsync("enum_items", 6);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var first = BuildAtomicHost(async (item, context, ct) =>
        {
            if (item.Id == 3)
            {
                inside.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "first" });
            return ItemResult.Completed;
        }))
        {
            await first.StartAsync();
            await inside.Task.WaitAsync(Ceiling);
            await first.StopAsync().WaitAsync(Ceiling);
        }

        var afterStop = await db.Database.ScalarAsync<string>("SELECT string_agg(id || ':' || status::text, ',' ORDER BY id) FROM enum_items");
        using (var second = BuildAtomicHost(async (item, context, _) =>
        {
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "second" });
            return await ValueTask.FromResult(ItemResult.Completed);
        }))
        {
            await second.StartAsync();
            var drained = await WaitUntilCompletedAsync("enum_items", 6);
            await second.StopAsync().WaitAsync(Ceiling);
            drained.Should().BeTrue();
        }

        afterStop.Should().Be("1:Completed,2:Completed,3:Queued,4:Queued,5:Queued,6:Queued");
        (await db.Database.ScalarAsync<string>("SELECT string_agg(item_id || ':' || worker, ',' ORDER BY item_id) FROM executions"))
            .Should().Be("1:first,2:first,3:second,4:second,5:second,6:second");
    }

    /// <summary>
    /// The hosts' shutdown timeout: stopping lets items in hand finish until it passes, then cancels the processors'
    /// token (the processors here wait on it).
    /// </summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    private static Func<LeaseItem, StatusItemContext, CancellationToken, ValueTask<ItemResult>> CompleteWithLedger(string worker)
        => (item, context, _) =>
        {
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = worker });
            return ValueTask.FromResult(ItemResult.Completed);
        };

    private IHost BuildLeaseHost(Func<LeaseItem, StatusItemContext, CancellationToken, ValueTask<ItemResult>> body, TimeSpan? retryDelay = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new LeaseScript { Body = body });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddDbContext<LeaseWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddStatusWorkflow<LeaseItem, JobStatus>("lease")
            .UseDbContext<LeaseWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
            .NextAttemptAt(x => x.NextAttemptAt)
            .UseProcessor<LeaseProcessor>()
            .Configure(o =>
            {
                o.Mode = ClaimMode.Lease;
                o.Schedule.Interval = TimeSpan.FromMilliseconds(100);
                o.ItemTimeout = TimeSpan.FromSeconds(30);
                o.Retry.Delay = retryDelay ?? o.Retry.Delay;
            });
        return builder.Build();
    }

    private IHost BuildAtomicHost(Func<WorkItem, StatusItemContext, CancellationToken, ValueTask<ItemResult>> body)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new ProcessorScript { Body = body });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("atomic")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o => o.Schedule.Interval = TimeSpan.FromMilliseconds(100));
        return builder.Build();
    }

    private Task<bool> WaitUntilCompletedAsync(string table, long count)
        => db.Database.WaitForScalarAsync($"SELECT count(*) FROM {table} WHERE status = 'Completed'", count, Ceiling);
}
