using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.Processing;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Reliability;

/// <summary>
/// Processors that use up the connection pool (issue 8): claims and outcomes still progress, or fail with the pool's own
/// error and are retried; nothing deadlocks. Every run is bounded by the pool's two-second wait and a ceiling.
/// </summary>
public sealed class ConnectionPoolExhaustionTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAsync_LeaseParallelismAbovePoolSize_ItemsWithoutAConnectionAreRetriedAndCompleteOnce()
    {
        await db.SeedAsync("lease_items", 8);
        var time = new FakeTimeProvider(Start);
        var logs = new LogSignal();
        await using var harness = PooledHarness.ForLeaseItems(SmallPool(4), o => { o.Parallelism = 8; o.Batch.Size = 8; }, time, logs);
        await harness.FillPoolAsync<LeaseWorkDb>(4);
        var holding = 0;
        var gaveUp = 0;
        harness.Script.Body = async (item, context, ct) =>
        {
            try
            {
                // The item's first command takes a connection and begins its transaction; it keeps both until its outcome.
                await context.DbContext.Set<LeaseItem>().CountAsync(ct);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref gaveUp);
                throw;
            }

            // Hold the connection until every other item has either got one or given up waiting for one.
            Interlocked.Increment(ref holding);
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            using var ceiling = CancellationTokenSource.CreateLinkedTokenSource(ct);
            ceiling.CancelAfter(Ceiling);
            while (Volatile.Read(ref holding) + Volatile.Read(ref gaveUp) < 8)
            {
                await tick.WaitForNextTickAsync(ceiling.Token);
            }

            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "attempt " + context.Attempt });
            return ItemResult.Completed;
        };

        var first = await harness.RunAsync().WaitAsync(Ceiling);
        var retried = await db.Database.ScalarAsync<string>("SELECT string_agg(DISTINCT status::text || '/' || attempts || '/' || (error LIKE '%pool%'), ',') FROM lease_items WHERE status <> 'Completed'");
        time.Advance(TimeSpan.FromMinutes(1));
        var second = await harness.RunAsync().WaitAsync(Ceiling);

        first.Completed.Should().Be(4);
        first.Retried.Should().Be(4, "an item that could not get a connection failed its attempt and is queued for another");
        retried.Should().Be("Queued/1/true", "the pool's own error is the reason on the row");
        second.Completed.Should().Be(4);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(8);
        (await db.Database.CountByStatusAsync("lease_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 8 });
    }

    [Fact]
    public async Task ExtendLeaseAsync_PoolHeldByTheItemsThemselves_FailsWithThePoolErrorAndTheItemIsRetried()
    {
        await db.SeedAsync("lease_items", 1);
        var time = new FakeTimeProvider(Start);
        await using var harness = PooledHarness.ForLeaseItems(SmallPool(1), o => o.Retry.Delay = TimeSpan.Zero, time, new LogSignal());
        Exception? heartbeat = null;
        harness.Script.Body = async (item, context, ct) =>
        {
            if (context.Attempt == 1)
            {
                // The item's transaction holds the only connection; the heartbeat needs a second one to commit at once.
                await context.DbContext.Database.ExecuteSqlRawAsync("SELECT 1", ct);
                heartbeat = await Record.ExceptionAsync(() => context.ExtendLeaseAsync(cancellationToken: ct));
                if (heartbeat is not null)
                {
                    throw heartbeat;
                }
            }

            return ItemResult.Completed;
        };

        var first = await harness.RunAsync().WaitAsync(Ceiling);
        var afterFirst = await db.Database.ScalarAsync<string>("SELECT status::text || '/' || attempts FROM lease_items");
        var second = await harness.RunAsync().WaitAsync(Ceiling);

        Chain(heartbeat).Should().Contain(m => m.Contains("pool has been exhausted", StringComparison.Ordinal));
        first.Retried.Should().Be(1);
        afterFirst.Should().Be("Queued/1");
        second.Completed.Should().Be(1);
    }

    [Fact]
    public async Task RunAsync_AtomicProcessorNeedsASecondConnectionFromAFullPool_ThatItemErrorsWithThePoolErrorAndTheRestComplete()
    {
        await db.SeedAsync("enum_items", 3);
        var logs = new LogSignal();
        await using var harness = PooledHarness.ForWorkItems(SmallPool(1), logs);
        harness.Script.Body = async (item, context, ct) =>
        {
            if (item.Id == 2)
            {
                // The batch's transaction holds the pool's only connection for the whole batch.
                await using var scope = harness.Services.CreateAsyncScope();
                var other = scope.ServiceProvider.GetRequiredService<EnumWorkDb>();
                await other.Database.ExecuteSqlRawAsync("SELECT 1", ct);
            }

            return ItemResult.Completed;
        };

        var result = await harness.RunAsync().WaitAsync(Ceiling);

        result.Completed.Should().Be(2);
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || length(error) FROM enum_items WHERE id = 2")).Should().MatchRegex("^Error/[1-9]");
        logs.Events.Should().Contain(e => e.EventId == 1003 && Chain(e.Exception).Any(m => m.Contains("pool has been exhausted", StringComparison.Ordinal)));
        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text, ',' ORDER BY id) FROM enum_items")).Should().Be("Completed,Error,Completed");
    }

    [Fact]
    public async Task RunAsync_LeaseRunOfSeveralBatchesOnAOneConnectionPool_ItemsGetTheConnectionAndTheRunLeavesItFree()
    {
        // Batches of 3, 3 and 2: the run ends right after the last batch's flush, with no claim after it.
        await db.SeedAsync("lease_items", 8);
        await using var harness = PooledHarness.ForLeaseItems(SmallPool(1), o => { o.Batch.Size = 3; o.Retry.MaxAttempts = 1; }, new FakeTimeProvider(Start), new LogSignal());
        harness.Script.Body = async (item, context, ct) =>
        {
            // Odd items need the pool's only connection: the loop's own sessions must not keep it while items run.
            // Even items write nothing, so their outcomes go through the completer's flush at the end of each batch.
            if (item.Id % 2 == 1)
            {
                context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "lease" });
                await context.DbContext.SaveChangesAsync(ct);
            }

            return ItemResult.Completed;
        };

        var result = await harness.RunAsync().WaitAsync(Ceiling);

        result.Completed.Should().Be(8);
        result.Batches.Should().Be(3);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(4);
        await harness.FillPoolAsync<LeaseWorkDb>(1);
    }

    [Fact]
    public async Task RunAsync_AtomicRunOfSeveralBatchesOnAOneConnectionPool_TheRunLeavesTheConnectionFree()
    {
        await db.SeedAsync("enum_items", 7);
        await using var harness = PooledHarness.ForWorkItems(SmallPool(1), new LogSignal(), o => o.Batch.Size = 3);

        var result = await harness.RunAsync().WaitAsync(Ceiling);

        result.Completed.Should().Be(7);
        result.Batches.Should().Be(3);
        await harness.FillPoolAsync<EnumWorkDb>(1);
    }

    private static IEnumerable<string> Chain(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            yield return current.Message;
        }
    }

    /// <summary>
    /// This class's database behind a pool of <paramref name="size"/> connections that waits two seconds for a free one and
    /// keeps its connections (no pruning below the maximum), so that only the pool's limit, not a slow connect, fails an item.
    /// </summary>
    private string SmallPool(int size) => new NpgsqlConnectionStringBuilder(db.ConnectionString) { MaxPoolSize = size, MinPoolSize = size, Timeout = 2 }.ConnectionString;

    /// <summary>A workflow over a context registered with <see cref="PooledTestDatabase"/>, so that its contexts share one pool.</summary>
    private sealed class PooledHarness<TEntity, TScript> : IAsyncDisposable
        where TEntity : class
        where TScript : class
    {
        public PooledHarness(ServiceProvider services) => Services = services;

        public ServiceProvider Services { get; }

        public TScript Script => Services.GetRequiredService<TScript>();

        /// <summary>Opens <paramref name="count"/> connections at once and returns them, so the pool holds them ready.</summary>
        public async Task FillPoolAsync<TContext>(int count)
            where TContext : DbContext
        {
            var scopes = Enumerable.Range(0, count).Select(_ => Services.CreateAsyncScope()).ToList();
            try
            {
                await Task.WhenAll(scopes.Select(s => s.ServiceProvider.GetRequiredService<TContext>().Database.OpenConnectionAsync()));
            }
            finally
            {
                foreach (var scope in scopes)
                {
                    await scope.DisposeAsync();
                }
            }
        }

        public Task<WorkflowRunResult> RunAsync()
        {
            var workflow = Services.GetServices<StatusWorkflow>().Single();
            workflow.Resolve();
            return workflow.RunAsync(Services.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("work"), "work", CancellationToken.None, CancellationToken.None);
        }

        public ValueTask DisposeAsync() => Services.DisposeAsync();
    }

    private static class PooledHarness
    {
        public static PooledHarness<LeaseItem, LeaseScript> ForLeaseItems(string connectionString, Action<StatusWorkflowOptions> configure, TimeProvider time, LogSignal logs)
        {
            var services = Services(logs);
            services.AddSingleton(time);
            services.AddSingleton(new SqlClock(time));
            services.AddDbContext<LeaseWorkDb>(o => PooledTestDatabase.Use(o, connectionString));
            services.AddStatusWorkflow<LeaseItem, JobStatus>("work")
                .UseDbContext<LeaseWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .ErrorText(x => x.Error)
                .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
                .NextAttemptAt(x => x.NextAttemptAt)
                .UseProcessor<LeaseProcessor>()
                .Configure(o =>
                {
                    o.Mode = ClaimMode.Lease;
                    o.ItemTimeout = TimeSpan.FromSeconds(30);
                    configure(o);
                });
            return new PooledHarness<LeaseItem, LeaseScript>(services.BuildServiceProvider());
        }

        public static PooledHarness<WorkItem, ProcessorScript> ForWorkItems(string connectionString, LogSignal logs, Action<StatusWorkflowOptions>? configure = null)
        {
            var services = Services(logs);
            services.AddDbContext<EnumWorkDb>(o => PooledTestDatabase.Use(o, connectionString));
            services.AddStatusWorkflow<WorkItem, JobStatus>("work")
                .UseDbContext<EnumWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .ErrorText(x => x.Error)
                .UseProcessor<ScriptedProcessor>()
                .Configure(o => configure?.Invoke(o));
            return new PooledHarness<WorkItem, ProcessorScript>(services.BuildServiceProvider());
        }

        private static ServiceCollection Services(LogSignal logs)
        {
            var services = new ServiceCollection();
            services.AddLogging(l => l.AddProvider(logs));
            services.AddSingleton<ProcessorScript>();
            services.AddSingleton<LeaseScript>();
            return services;
        }
    }
}
