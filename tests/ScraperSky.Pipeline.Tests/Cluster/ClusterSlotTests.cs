using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Cluster;

/// <summary>Schedule:MaxHostsAtOnce: slot leases of a lease-mode workflow run by several hosts on one database.</summary>
public sealed class ClusterSlotTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private const string Workflow = "lease";
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _schema = "slots_" + Guid.NewGuid().ToString("N")[..10];

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task MaxHostsAtOnceOne_TwoHosts_NeverRunTogether()
    {
        await LeaseItems.InsertAsync(db, "a", "b", "c");
        var script = new LeaseScript();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = 0;
        var mostAtOnce = 0;
        script.Body = async (_, _, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref mostAtOnce, now);
            started.TrySetResult();
            await release.Task;
            Interlocked.Decrement(ref inFlight);
            return ItemResult.Completed;
        };
        await using var a = Create("a", script, time: null);
        await a.Host.StartAsync();
        await started.Task.WaitAsync(Signals<bool>.Ceiling);

        await using var b = Create("b", script, time: null);
        await b.Host.StartAsync();
        var skipped = await b.NextResultAsync(Workflow);
        var manual = await b.Scheduler.RunNowAsync(Workflow);
        release.SetResult();
        var ran = await a.NextResultAsync(Workflow);
        var after = await b.Scheduler.RunNowAsync(Workflow);

        skipped.Outcome.Should().Be(JobRunOutcome.Skipped);
        skipped.SkipReason.Should().Contain("MaxHostsAtOnce");
        manual.Outcome.Should().Be(JobRunOutcome.Skipped, "a manual run needs a slot too");
        ran.Outcome.Should().Be(JobRunOutcome.Succeeded);
        ran.ItemsProcessed.Should().Be(3);
        after.Outcome.Should().Be(JobRunOutcome.Succeeded, "host a gave its slot back when its run ended");
        mostAtOnce.Should().Be(1);
        (await db.Database.ScalarAsync<long>($"SELECT count(*) FROM {_schema}.slot_leases")).Should().Be(0);
    }

    [Fact]
    public async Task MaxHostsAtOnce_SlotOfACrashedHost_IsTakenOnceItExpired()
    {
        var time = new FakeTimeProvider(Start);
        await db.Database.ExecuteAsync(new ClusterSql(_schema).Ddl);
        await db.Database.ExecuteAsync($"INSERT INTO {_schema}.slot_leases VALUES ('{Workflow}', 1, 'crashed', '{Start.AddMinutes(1):O}')");
        await using var b = Create("b", new LeaseScript(), time);
        await b.Host.StartAsync();

        var atStart = await b.NextResultAsync(Workflow);
        var beforeExpiry = await b.Scheduler.RunNowAsync(Workflow);
        time.Advance(TimeSpan.FromMinutes(2));
        var afterExpiry = await b.Scheduler.RunNowAsync(Workflow);

        atStart.Outcome.Should().Be(JobRunOutcome.Skipped);
        beforeExpiry.Outcome.Should().Be(JobRunOutcome.Skipped);
        afterExpiry.Outcome.Should().Be(JobRunOutcome.Succeeded);
        (await db.Database.ScalarAsync<long>($"SELECT count(*) FROM {_schema}.slot_leases")).Should().Be(0, "the run gave the slot back");
    }

    [Fact]
    public async Task MaxHostsAtOnce_RunLongerThanTheSlotLease_RenewsItsSlot()
    {
        await LeaseItems.InsertAsync(db, "slow");
        var time = new FakeTimeProvider(Start);
        var script = new LeaseScript();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        script.Body = async (_, _, _) =>
        {
            started.TrySetResult();
            await release.Task;
            return ItemResult.Completed;
        };
        await using var a = Create("a", script, time, o => o.ItemTimeout = TimeSpan.FromHours(1));
        await a.Host.StartAsync();
        await started.Task.WaitAsync(Signals<bool>.Ceiling);

        // The lease is a minute, renewed every 20 seconds: renewed once, the run holds it past its first expiry.
        time.Advance(TimeSpan.FromSeconds(25));
        (await db.Database.WaitForScalarAsync($"SELECT count(*) FROM {_schema}.slot_leases WHERE expires_at > '{Start.AddSeconds(75):O}'", 1)).Should().BeTrue();
        time.Advance(TimeSpan.FromSeconds(45));
        await using var b = Create("b", new LeaseScript(), time);
        await b.Host.StartAsync();
        var whileRenewed = await b.NextResultAsync(Workflow);
        release.SetResult();
        await a.NextResultAsync(Workflow);

        whileRenewed.Outcome.Should().Be(JobRunOutcome.Skipped, "seventy seconds in, the renewed slot is still held");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private ClusterTestHost Create(string name, LeaseScript script, TimeProvider? time, Action<StatusWorkflowOptions>? configure = null)
        => ClusterTestHost.Create(name, db.ConnectionString, _schema, time, services =>
        {
            services.AddSingleton(script);
            services.AddDbContext<LeaseWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
            services.AddLeaseWorkflow(Workflow, o =>
            {
                o.Schedule.MaxHostsAtOnce = 1;
                o.WakeUp.Enabled = false;
                configure?.Invoke(o);
            });
        });
}
