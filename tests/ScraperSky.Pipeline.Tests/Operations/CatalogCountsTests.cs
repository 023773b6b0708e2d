using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ScraperSky.Pipeline.Operations;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Operations;

/// <summary>The catalog's counts against a real table: exact, capped with an exact count in the background, cached and shared, stuck leases, the oldest queued row.</summary>
public sealed class CatalogCountsTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GetCountsAsync_SmallTable_ExactPerStatusWithinTheWorkflowFilter()
    {
        await db.Database.ExecuteAsync("""
            INSERT INTO enum_items (status, payload) VALUES
              ('Queued', 'a'), ('Queued', 'a'), ('Queued', 'a'), ('Processing', 'a'), ('Completed', 'a'), ('Completed', 'a'), ('Error', 'a'),
              ('Queued', 'other'), ('Error', 'other');
            """);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = Harness(time);
        var catalog = Catalog(harness);
        var statements = new ConcurrentQueue<string>();
        catalog.Session.BeforeStatement = sql =>
        {
            statements.Enqueue(sql);
            return Task.CompletedTask;
        };

        var first = await catalog.GetCountsAsync("work");
        time.Advance(StatusWorkflowScheduleOptions.DefaultInterval);
        var second = await catalog.GetCountsAsync("work");

        foreach (var counts in new[] { first, second })
        {
            counts.Should().BeEquivalentTo(new { Queued = 3L, Processing = 1L, Completed = 2L, Error = 1L, IsExact = true });
            counts.StuckProcessing.Should().BeNull("an atomic-batch workflow has no leases");
            counts.OldestQueuedAt.Should().BeNull("the workflow has no updated-at column");
        }

        second.CountedAt.Should().Be(time.GetUtcNow());
        statements.Should().HaveCount(2);
        statements.Last().Should().Contain("GROUP BY", "a table known to be small is counted in one grouped scan");
    }

    [Fact]
    public async Task GetCountsAsync_ConcurrentCallers_ShareOneStatementAndTheCacheHoldsForAPeriod()
    {
        await db.SeedAsync("enum_items", 4);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = Harness(time);
        var catalog = Catalog(harness);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        catalog.Session.BeforeStatement = _ =>
        {
            entered.TrySetResult();
            return release.Task;
        };

        var callers = Enumerable.Range(0, 20).Select(_ => catalog.GetCountsAsync("work").AsTask()).ToList();
        await entered.Task.WaitAsync(Ceiling);
        callers.AddRange(Enumerable.Range(0, 20).Select(_ => catalog.GetCountsAsync("work").AsTask()));
        using var cancelled = new CancellationTokenSource();
        var impatient = catalog.GetCountsAsync("work", cancelled.Token).AsTask();
        await cancelled.CancelAsync();
        release.SetResult();
        var results = await Task.WhenAll(callers).WaitAsync(Ceiling);

        await impatient.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        results.Should().AllSatisfy(r => r.Queued.Should().Be(4));
        catalog.Session.Statements.Should().Be(1, "concurrent callers share the count in flight");

        await db.SeedAsync("enum_items", 3);
        time.Advance(StatusWorkflowScheduleOptions.DefaultInterval - TimeSpan.FromMilliseconds(1));
        (await catalog.GetCountsAsync("work")).Queued.Should().Be(4, "the counts are cached for the period");
        catalog.Session.Statements.Should().Be(1);

        time.Advance(TimeSpan.FromMilliseconds(1));
        (await catalog.GetCountsAsync("work")).Queued.Should().Be(7);
        catalog.Session.Statements.Should().Be(2);
    }

    [Fact]
    public async Task GetCountsAsync_AboveTheCap_CappedThenReplacedByTheExactCountFromTheBackground()
    {
        await db.SeedAsync("enum_items", 25);
        await db.SeedAsync("enum_items", 3, "'Completed'");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = Harness(time);
        var catalog = Catalog(harness);
        catalog.Cap = 10;
        var workflow = catalog.Find("work");

        var capped = await catalog.GetCountsAsync("work");
        await workflow.Counts.WhenExactCountedAsync().WaitAsync(Ceiling);
        var exact = await catalog.GetCountsAsync("work");

        capped.Should().BeEquivalentTo(new { Queued = 10L, Completed = 3L, Error = 0L, IsExact = false });
        exact.Should().BeEquivalentTo(new { Queued = 25L, Completed = 3L, Error = 0L, IsExact = true });
        catalog.Session.Statements.Should().Be(2, "one capped count, then one exact count in the background; the second caller read the cache");
    }

    [Fact]
    public async Task GetCountsAsync_LeaseWorkflow_CountsExpiredLeasesAndTheOldestQueuedRowByTheDatabaseClock()
    {
        await db.Database.ExecuteAsync("""
            INSERT INTO lease_items (status, lease_expires_at, updated_at) VALUES
              ('Processing', now() - interval '1 hour', now()),
              ('Processing', now() - interval '1 minute', now()),
              ('Processing', now() + interval '1 hour', now()),
              ('Queued', NULL, '2026-03-01T10:00:00Z'),
              ('Queued', NULL, '2026-03-02T10:00:00Z'),
              ('Completed', NULL, '2020-01-01T00:00:00Z');
            """);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = WorkflowHarness.Create<LeaseWorkDb>(db.ConnectionString, services =>
        {
            // The host's clock is fake, the SQL's is the database's: no SqlClock is registered.
            services.AddSingleton<TimeProvider>(time);
            services.AddStatusWorkflow<LeaseItem, JobStatus>("work")
                .UseDbContext<LeaseWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
                .UpdatedAt(x => x.UpdatedAt)
                .UseProcessor<LeaseProcessor>()
                .Configure(o => o.Mode = ClaimMode.Lease);
        });
        var catalog = Catalog(harness);

        var capped = await catalog.GetCountsAsync("work");
        time.Advance(StatusWorkflowScheduleOptions.DefaultInterval);
        var grouped = await catalog.GetCountsAsync("work");

        foreach (var counts in new[] { capped, grouped })
        {
            counts.Processing.Should().Be(3);
            counts.StuckProcessing.Should().Be(2);
            counts.OldestQueuedAt.Should().Be(DateTimeOffset.Parse("2026-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        }

        catalog.Session.Statements.Should().Be(2);
    }

    [Fact]
    public async Task GetCountsAsync_TableLockedByAnotherSession_FailsAtTheStatementTimeoutInsteadOfHanging()
    {
        await using var harness = Harness(new FakeTimeProvider(DateTimeOffset.UtcNow));
        var catalog = Catalog(harness);
        catalog.CountTimeout = TimeSpan.FromMilliseconds(200);
        await using var locker = new NpgsqlConnection(db.ConnectionString);
        await locker.OpenAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE enum_items IN ACCESS EXCLUSIVE MODE", locker, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        var counts = async () => await catalog.GetCountsAsync("work");
        var rows = () => catalog.GetRowsAsync("work", new StatusRowFilter());

        (await counts.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.QueryCanceled);
        (await rows.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.QueryCanceled);
    }

    private WorkflowHarness Harness(TimeProvider time)
        => WorkflowHarness.Create<EnumWorkDb>(db.ConnectionString, services =>
        {
            services.AddSingleton(time);
            services.AddStatusWorkflow<WorkItem, JobStatus>("work")
                .UseDbContext<EnumWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .Where(x => x.Payload != "other")
                .UseProcessor<ScriptedProcessor>();
        });

    private static PipelineCatalog Catalog(WorkflowHarness harness) => (PipelineCatalog)harness.Services.GetRequiredService<IPipelineCatalog>();
}
