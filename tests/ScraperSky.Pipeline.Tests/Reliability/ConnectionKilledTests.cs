using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Reliability;

/// <summary>
/// The worker's connection is terminated (<c>pg_terminate_backend</c>) right before its outcomes are written (issue 8):
/// nothing is half-written, and the rows are recovered — atomic batches are simply still queued, lease claims are rescued
/// once their lease expires — and each completes exactly once (the ledger).
/// </summary>
public sealed class ConnectionKilledTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAsync_AtomicConnectionKilledBeforeOutcomeUpdate_BatchRolledBackThenEachRowRunsAloneAndCompletesOnce()
    {
        await db.SeedAsync("enum_items", 5);
        // The outcome statement goes to the connection directly (prepared), not through EF Core's command pipeline: the
        // connection dies right after the batch's last item saved its writes, so the outcome statement finds it gone.
        var killer = new KillAfterSavingItem(db.ConnectionString, itemId: 5);
        await using var harness = WorkflowHarness.Create<EnumWorkDb>(db.ConnectionString, services =>
        {
            services.ConfigureDbContext<EnumWorkDb>(o => o.AddInterceptors(killer));
            services.AddStatusWorkflow<WorkItem, JobStatus>("work")
                .UseDbContext<EnumWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .ErrorText(x => x.Error)
                .UseProcessor<ScriptedProcessor>();
        });
        harness.Script.Body = (item, context, _) =>
        {
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "w" });
            return ValueTask.FromResult(ItemResult.Completed);
        };

        var first = await harness.RunAsync().WaitAsync(Ceiling);
        var second = await harness.RunAsync().WaitAsync(Ceiling);

        killer.Killed.Should().Be(1);
        first.Completed.Should().Be(5, "the broken batch is rolled back and each of its rows runs alone, in a transaction of its own");
        second.Claimed.Should().Be(0);
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 5 });
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(5, "the processors' writes in the killed batch died with its transaction");
        harness.Script.Calls.Should().HaveCount(10, "processing is at-least-once: the killed batch's rows run again, alone");
    }

    [Fact]
    public async Task RunAsync_LeaseConnectionKilledBeforeBatchedOutcomes_CompleterWritesThemOnAFreshConnection()
    {
        await db.SeedAsync("lease_items", 5);
        var time = new FakeTimeProvider(Start);
        var killer = new KillOnNextOpen(db.ConnectionString);
        var processed = 0;
        await using var harness = WorkflowHarness.ForLeaseItems(
            db.ConnectionString,
            o => o.Lease.Duration = TimeSpan.FromMinutes(5),
            build: w => w.Services.ConfigureDbContext<LeaseWorkDb>(o => o.AddInterceptors(killer)),
            time: time);
        harness.LeaseScript.Body = (_, _, _) =>
        {
            // Items that do not touch the database share one batched outcome statement, on a connection opened after
            // the last item: that is the connection to kill.
            if (Interlocked.Increment(ref processed) == 5)
            {
                killer.Arm();
            }

            return ValueTask.FromResult(ItemResult.Completed);
        };

        var result = await harness.RunAsync().WaitAsync(Ceiling);

        killer.Killed.Should().Be(1);
        result.Completed.Should().Be(5, "a lost connection is transient: the completer writes the outcomes again on a new one");
        processed.Should().Be(5, "no item runs twice");
        (await db.Database.ScalarAsync<string>("SELECT string_agg(DISTINCT status::text || '/' || attempts, ',') FROM lease_items")).Should().Be("Completed/0");
    }

    [Fact]
    public async Task RunAsync_LeaseItemConnectionKilledBetweenItsWritesAndItsOutcome_ItemQueuedAgainAndLedgerShowsItOnce()
    {
        await db.SeedAsync("lease_items", 3);
        var time = new FakeTimeProvider(Start);
        var killer = new KillAfterSavingItem(db.ConnectionString, itemId: 2);
        var logs = new LogSignal();
        await using var harness = WorkflowHarness.ForLeaseItems(
            db.ConnectionString,
            o => o.Lease.Duration = TimeSpan.FromMinutes(5),
            build: w => w.Services.ConfigureDbContext<LeaseWorkDb>(o => o.AddInterceptors(killer)),
            time: time,
            logs: logs);
        harness.LeaseScript.Body = (item, context, _) =>
        {
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "attempt " + context.Attempt });
            return ValueTask.FromResult(ItemResult.Completed);
        };

        var first = await harness.RunAsync().WaitAsync(Ceiling);
        var stillClaimed = await db.Database.ScalarAsync<string>("SELECT status::text FROM lease_items WHERE id = 2");
        time.Advance(TimeSpan.FromMinutes(6));
        var second = await harness.RunAsync().WaitAsync(Ceiling);

        killer.Killed.Should().Be(1);
        first.Completed.Should().Be(2);
        logs.Events.Should().Contain(e => e.EventId == 1011 && e.Message.Contains("item 2", StringComparison.Ordinal));
        stillClaimed.Should().Be("Queued", "nothing of the item committed, so the batch's statement queues it again at once");
        second.Rescued.Should().Be(0);
        second.Completed.Should().Be(1);
        (await db.Database.ScalarAsync<string>("SELECT string_agg(item_id || ':' || worker, ',' ORDER BY item_id) FROM executions"))
            .Should().Be("1:attempt 1,2:attempt 2,3:attempt 1", "the killed attempt's ledger row died with its transaction");
        (await db.Database.CountByStatusAsync("lease_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 3 });
    }

    /// <summary>Terminates a backend from a connection of its own and waits until it is gone.</summary>
    private static async Task TerminateAsync(string connectionString, DbConnection victim)
    {
        var pid = ((NpgsqlConnection)victim).ProcessID;
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        await using (var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", admin))
        {
            terminate.Parameters.AddWithValue("pid", pid);
            await terminate.ExecuteScalarAsync();
        }

        // The backend exits asynchronously; the victim's next command must find it gone, however busy the machine.
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        using var ceiling = new CancellationTokenSource(Ceiling);
        await using var alive = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE pid = @pid", admin);
        alive.Parameters.AddWithValue("pid", pid);
        while ((long)(await alive.ExecuteScalarAsync())! > 0)
        {
            await tick.WaitForNextTickAsync(ceiling.Token);
        }
    }

    /// <summary>Once armed, kills the next connection the session opens.</summary>
    private sealed class KillOnNextOpen(string connectionString) : DbConnectionInterceptor
    {
        private int _armed;
        private int _killed;

        public int Killed => _killed;

        public void Arm() => Interlocked.Exchange(ref _armed, 1);

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                await TerminateAsync(connectionString, connection);
                Interlocked.Increment(ref _killed);
            }
        }
    }

    /// <summary>Kills an item's connection once, right after its own writes were saved and before its outcome is written.</summary>
    private sealed class KillAfterSavingItem(string connectionString, long itemId) : SaveChangesInterceptor
    {
        private int _killed;

        public int Killed => _killed;

        public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            var context = eventData.Context!;
            if (context.ChangeTracker.Entries<Execution>().Any(e => e.Entity.ItemId == itemId) && Interlocked.CompareExchange(ref _killed, 1, 0) == 0)
            {
                await TerminateAsync(connectionString, context.Database.GetDbConnection());
            }

            return result;
        }
    }
}
