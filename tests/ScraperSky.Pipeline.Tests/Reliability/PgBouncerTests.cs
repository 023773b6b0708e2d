using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Reliability;

/// <summary>
/// The library behind PgBouncer in transaction mode (issue 8), with fewer server connections than the application opens,
/// so that consecutive transactions of one client land on different server sessions: lease claims, per-item transactions,
/// batched outcomes, heartbeats, the rescuer's transaction-scoped advisory lock and atomic batches all work there.
/// </summary>
public sealed class PgBouncerTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);
    private PgBouncer? _bouncer;

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        _bouncer = await PgBouncer.StartAsync(db.ConnectionString, serverConnections: 3);
    }

    public async Task DisposeAsync()
    {
        if (_bouncer is not null)
        {
            await _bouncer.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartAsync_BehindTransactionPooler_BothModesDrainExactlyOnceAndExpiredLeasesAreRescued()
    {
        await db.SeedAsync("lease_items", 40);
        await db.SeedAsync("enum_items", 40);
        // Claims of a worker that died an hour ago: only the rescuer, through the pooler, can bring them back.
        await db.Database.ExecuteAsync("UPDATE lease_items SET status = 'Processing', attempts = 1, claimed_by = 'dead-host:1:0000#1', lease_expires_at = now() - interval '1 hour' WHERE id <= 5");
        var logs = new LogSignal();
        var heartbeats = 0;
        using var host = BuildHost(logs, async (item, context, ct) =>
        {
            if (item.Id % 10 == 0 && await context.ExtendLeaseAsync(cancellationToken: ct))
            {
                Interlocked.Increment(ref heartbeats);
            }

            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "bouncer" });
            return ItemResult.Completed;
        });

        await host.StartAsync().WaitAsync(Ceiling);
        var drained = await db.Database.WaitForScalarAsync("SELECT (SELECT count(*) FROM lease_items WHERE status = 'Completed') + (SELECT count(*) FROM enum_items WHERE status = 'Completed')", 80, Ceiling);
        await host.StopAsync().WaitAsync(Ceiling);

        drained.Should().BeTrue(_bouncer!.ReadLog());
        _bouncer.ReadLog().Should().Contain("login attempt", "the application's sessions went through the pooler");
        logs.Events.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message + " " + e.Exception?.Message).Should().BeEmpty();
        logs.Events.Should().Contain(e => e.EventId == 4000 && e.Message.Contains("rescued 5 expired leases", StringComparison.Ordinal));
        heartbeats.Should().Be(4, "each heartbeat commits in a transaction of its own through the pooler");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(40, "the lease ledger shows each item once");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE touches = 1")).Should().Be(40, "each atomic item's own write committed once");
        (await db.Database.ScalarAsync<string>("SELECT string_agg(DISTINCT attempts::text, ',') FROM lease_items WHERE id <= 5")).Should().Be("0", "a completed row's attempt count restarts");
    }

    private IHost BuildHost(LogSignal logs, Func<LeaseItem, StatusItemContext, CancellationToken, ValueTask<ItemResult>> lease)
    {
        var through = _bouncer!.ConnectionString;
        var builder = BothModesHost.Create(
            logs,
            o => PooledTestDatabase.Use(o, through),
            lease: o => { o.Batch.Size = 8; o.Parallelism = 4; },
            atomic: o => o.Batch.Size = 8,
            nextAttempt: true);
        builder.Services.AddSingleton(new LeaseScript { Body = lease });
        builder.Services.AddSingleton(new ProcessorScript
        {
            Body = (item, _, _) =>
            {
                item.Touches++;
                return ValueTask.FromResult(ItemResult.Completed);
            },
        });
        return builder.Build();
    }

}
