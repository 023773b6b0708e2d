using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Maintenance;

/// <summary>The lease rescuer against the real PostgreSQL (issue 4).</summary>
public sealed class LeaseRescuerTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RescueAsync_ExpiredLeases_BackToQueueOrErrorAfterLastAttempt()
    {
        await db.Database.ExecuteAsync($"""
            INSERT INTO lease_items (status, attempts, lease_expires_at, claimed_by, error) VALUES
              ('Processing', 1, '{Start.AddMinutes(-1):O}', 'gone#1', NULL),
              ('Processing', 3, '{Start.AddMinutes(-1):O}', 'gone#2', 'earlier failure'),
              ('Processing', 1, '{Start.AddMinutes(1):O}', 'alive#3', NULL),
              ('Completed', 1, NULL, NULL, NULL)
            """);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => o.Retry.MaxAttempts = 3, time: new FakeTimeProvider(Start));
        var rescuer = harness.LeaseWorkflow().Loop.Rescuer!;

        var result = await rescuer.RescueAsync(harness.Options(), CancellationToken.None);

        result.Should().Be(new Pipeline.Maintenance.RescueResult(Requeued: 1, Failed: 1));
        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text || '/' || coalesce(error, '-') || '/' || coalesce(claimed_by, '-'), ',' ORDER BY id) FROM lease_items"))
            .Should().Be("Queued/-/-,Error/lease expired after 3 attempts/-,Processing/-/alive#3,Completed/-/-");
    }

    [Fact]
    public async Task RescueAsync_TwoHostsAtOnce_EachExpiredLeaseRescuedOnce()
    {
        await db.Database.ExecuteAsync($"INSERT INTO lease_items (status, attempts, lease_expires_at, claimed_by) SELECT 'Processing', 1, '{Start.AddMinutes(-1):O}', 'gone#' || g FROM generate_series(1, 3000) AS g");
        await using var first = WorkflowHarness.ForLeaseItems(db.ConnectionString, time: new FakeTimeProvider(Start));
        await using var second = WorkflowHarness.ForLeaseItems(db.ConnectionString, time: new FakeTimeProvider(Start));

        var results = await Task.WhenAll(
            first.LeaseWorkflow().Loop.Rescuer!.RescueAsync(first.Options(), CancellationToken.None),
            second.LeaseWorkflow().Loop.Rescuer!.RescueAsync(second.Options(), CancellationToken.None));
        var again = await first.LeaseWorkflow().Loop.Rescuer!.RescueAsync(first.Options(), CancellationToken.None);

        (results[0].Requeued + results[1].Requeued + again.Requeued).Should().Be(3000);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM lease_items WHERE status = 'Queued' AND claimed_by IS NULL AND lease_expires_at IS NULL")).Should().Be(3000);
    }

    [Fact]
    public async Task RescueAsync_RowCompletedByItsWorker_IsNeverOverwritten()
    {
        // River's race: a rescuer that read a row as running must not overwrite the completion that just landed.
        await db.Database.ExecuteAsync($"INSERT INTO lease_items (status, attempts, lease_expires_at, claimed_by) VALUES ('Completed', 1, '{Start.AddMinutes(-1):O}', NULL)");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, time: new FakeTimeProvider(Start));

        var result = await harness.LeaseWorkflow().Loop.Rescuer!.RescueAsync(harness.Options(), CancellationToken.None);

        result.Should().Be(default(Pipeline.Maintenance.RescueResult));
        (await db.Database.ScalarAsync<string>("SELECT status::text FROM lease_items")).Should().Be("Completed");
    }
}
