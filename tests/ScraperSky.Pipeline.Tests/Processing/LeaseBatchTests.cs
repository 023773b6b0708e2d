using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Processing;

/// <summary>Lease mode against the real PostgreSQL (issue 4): claims, outcomes, retries, fencing, parallelism, timeouts.</summary>
public sealed class LeaseBatchTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAsync_QueuedRows_EndCompletedWithClaimColumnsCleared()
    {
        await db.SeedAsync("lease_items", 4);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);

        var result = await harness.RunAsync();

        result.Completed.Should().Be(4);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM lease_items WHERE status = 'Completed' AND attempts = 0 AND lease_expires_at IS NULL AND claimed_by IS NULL AND updated_at IS NOT NULL")).Should().Be(4);
    }

    [Fact]
    public async Task RunAsync_WhileProcessing_RowIsVisiblyProcessingUnderAClaim()
    {
        await db.SeedAsync("lease_items", 1);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        string? seen = null;
        harness.LeaseScript.Body = async (item, context, ct) =>
        {
            // Another connection sees the claim: it committed before the processor ran.
            seen = await db.Database.ScalarAsync<string>($"SELECT status::text || '/' || attempts || '/' || (lease_expires_at > now()) || '/' || (claimed_by IS NOT NULL) FROM lease_items WHERE id = {item.Id}");
            context.Attempt.Should().Be(1);
            return ItemResult.Completed;
        };

        await harness.RunAsync();

        seen.Should().Be("Processing/1/true/true");
    }

    [Fact]
    public async Task RunAsync_ProcessorThrows_ItemQueuedAgainWithBackoffAndError()
    {
        await db.SeedAsync("lease_items", 2);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => o.Retry.Delay = TimeSpan.FromSeconds(10), time: time);
        harness.LeaseScript.Body = (item, _, _) => item.Id == 1 ? throw new HttpRequestException("connection refused") : ValueTask.FromResult(ItemResult.Completed);

        var result = await harness.RunAsync();

        result.Completed.Should().Be(1);
        result.Retried.Should().Be(1);
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || attempts || '/' || error FROM lease_items WHERE id = 1")).Should().Be("Queued/1/connection refused");
        var delaySeconds = await db.Database.ScalarAsync<double>($"SELECT extract(epoch FROM next_attempt_at - '{Start:O}'::timestamptz) FROM lease_items WHERE id = 1");
        delaySeconds.Should().BeInRange(5, 10, "the first retry waits RetryDelay with equal jitter");
    }

    [Fact]
    public async Task RunAsync_BackoffUnderFakeTime_ItemWaitsItsDelayThenIsClaimedAgain()
    {
        await db.SeedAsync("lease_items", 1);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => o.Retry.Delay = TimeSpan.FromMinutes(1), time: time);
        harness.LeaseScript.Body = (item, context, _) => context.Attempt < 3 ? throw new InvalidOperationException("flaky " + context.Attempt) : ValueTask.FromResult(ItemResult.Completed);

        await harness.RunAsync();
        (await harness.RunAsync()).Claimed.Should().Be(0, "the retry is not due yet");
        time.Advance(TimeSpan.FromSeconds(61));
        await harness.RunAsync();
        var secondDelay = await db.Database.ScalarAsync<double>($"SELECT extract(epoch FROM next_attempt_at - '{time.GetUtcNow():O}'::timestamptz) FROM lease_items");
        time.Advance(TimeSpan.FromSeconds(29));
        (await harness.RunAsync()).Claimed.Should().Be(0, "the second delay is at least one minute");
        time.Advance(TimeSpan.FromMinutes(2));
        var last = await harness.RunAsync();

        secondDelay.Should().BeInRange(60, 120, "the second retry doubles the delay, with equal jitter");
        last.Completed.Should().Be(1);
        harness.LeaseScript.Calls.Should().HaveCount(3);
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || attempts || '/' || coalesce(error, '-') FROM lease_items")).Should().Be("Completed/0/-", "a terminal outcome restarts the attempt count");
    }

    [Fact]
    public async Task RunAsync_LastAttemptFails_ItemEndsAsErrorSayingSo()
    {
        await db.SeedAsync("lease_items", 1);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => { o.Retry.MaxAttempts = 2; o.Retry.Delay = TimeSpan.Zero; }, time: time);
        harness.LeaseScript.Body = (_, _, _) => throw new InvalidOperationException("remote 503");

        await harness.RunAsync();
        var second = await harness.RunAsync();

        second.Claimed.Should().Be(1, "a zero retry delay makes the item claimable again at once");
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || attempts || '/' || error FROM lease_items")).Should().Be("Error/0/remote 503 (gave up after 2 attempts)", "a terminal outcome restarts the attempt count; the error says how many were made");
    }

    [Fact]
    public async Task RunAsync_ProcessorReturnsFailed_ErrorAtOnceWhateverAttemptsRemain()
    {
        await db.SeedAsync("lease_items", 1);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        harness.LeaseScript.Body = (_, _, _) => ValueTask.FromResult(ItemResult.Failed("not a sitemap"));

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || attempts || '/' || error FROM lease_items")).Should().Be("Error/0/not a sitemap");
    }

    [Fact]
    public async Task RunAsync_ProcessorSnoozes_QueuedLaterWithoutUsingAnAttempt()
    {
        await db.SeedAsync("lease_items", 1);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, time: time);
        harness.LeaseScript.Body = (_, _, _) => ValueTask.FromResult(ItemResult.Snooze(TimeSpan.FromMinutes(15)));

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>($"SELECT status::text || '/' || attempts || '/' || (next_attempt_at = '{Start.AddMinutes(15):O}'::timestamptz) FROM lease_items")).Should().Be("Queued/0/true");
    }

    [Fact]
    public async Task RunAsync_ProcessorRetriesWithItsOwnDelay_DelayIsUsed()
    {
        await db.SeedAsync("lease_items", 1);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, time: time);
        harness.LeaseScript.Body = (_, _, _) => ValueTask.FromResult(ItemResult.Retry("rate limited", TimeSpan.FromSeconds(42)));

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>($"SELECT status::text || '/' || attempts || '/' || error || '/' || (next_attempt_at = '{Start.AddSeconds(42):O}'::timestamptz) FROM lease_items")).Should().Be("Queued/1/rate limited/true");
    }

    [Fact]
    public async Task RunAsync_LeaseRescuedWhileProcessing_LateOutcomeRefusedAndReported()
    {
        await db.SeedAsync("lease_items", 2);
        var logs = new LogSignal();
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, logs: logs);
        harness.LeaseScript.Body = async (item, _, _) =>
        {
            if (item.Id == 2)
            {
                // What a rescuer on another host does once the lease expired: the row is someone else's now.
                await db.Database.ExecuteAsync("UPDATE lease_items SET status = 'Queued', claimed_by = NULL, lease_expires_at = NULL WHERE id = 2");
            }

            return ItemResult.Completed;
        };

        var result = await harness.RunAsync(stopping: CancellationToken.None);

        result.Lost.Should().Be(1);
        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text, ',' ORDER BY id) FROM lease_items")).Should().Be("Completed,Queued");
        logs.Events.Should().Contain(e => e.EventId == 1010 && e.Message.Contains("item 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_LeaseRescuedWhileWritingItem_ItsWorkRollsBackToo()
    {
        await db.SeedAsync("lease_items", 1);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        harness.LeaseScript.Body = async (item, context, ct) =>
        {
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "late" });
            await context.DbContext.SaveChangesAsync(ct);
            await db.Database.ExecuteAsync("UPDATE lease_items SET status = 'Queued', claimed_by = 'someone-else#1' WHERE id = 1");
            return ItemResult.Completed;
        };

        var result = await harness.RunAsync();

        result.Lost.Should().Be(1);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(0, "a late worker's writes must not commit");
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || claimed_by FROM lease_items")).Should().Be("Queued/someone-else#1");
    }

    [Fact]
    public async Task RunAsync_ProcessorWritesThroughSession_WritesAndOutcomeCommitTogether()
    {
        await db.SeedAsync("lease_items", 3);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        harness.LeaseScript.Body = async (item, context, ct) =>
        {
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "w" });
            item.Payload = "done";
            if (item.Id == 2)
            {
                await context.DbContext.SaveChangesAsync(ct);
                throw new InvalidOperationException("after writing");
            }

            return ItemResult.Completed;
        };

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT string_agg(item_id::text, ',' ORDER BY item_id) FROM executions")).Should().Be("1,3");
        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text || ':' || payload, ',' ORDER BY id) FROM lease_items")).Should().Be("Completed:done,Queued:item 2,Completed:done");
    }

    [Fact]
    public async Task RunAsync_SeveralBatches_ReuseTheRunsLanesAndDisposeThemAtItsEnd()
    {
        await db.SeedAsync("lease_items", 12);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => { o.Parallelism = 2; o.Batch.Size = 4; });
        var sessions = new System.Collections.Concurrent.ConcurrentDictionary<DbContext, byte>();
        harness.LeaseScript.Body = async (item, context, ct) =>
        {
            sessions.TryAdd(context.DbContext, 0);

            // Every third item writes through its session, so lanes come back from committed transactions too.
            if (item.Id % 3 == 0)
            {
                await context.DbContext.Database.ExecuteSqlRawAsync("SELECT 1", ct);
            }

            return ItemResult.Completed;
        };

        var result = await harness.RunAsync();

        result.Completed.Should().Be(12);
        result.Batches.Should().BeGreaterThanOrEqualTo(3);
        sessions.Count.Should().BeInRange(1, 2, "a run's batches share its lanes: at most Parallelism sessions for the whole run");
        foreach (var session in sessions.Keys)
        {
            FluentActions.Invoking(() => session.Model).Should().Throw<ObjectDisposedException>("the run disposes its lanes when it ends");
        }
    }

    [Fact]
    public async Task RunAsync_Parallelism_NeverExceedsItsBoundAndReachesIt()
    {
        await db.SeedAsync("lease_items", 12);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => { o.Parallelism = 3; o.Batch.Size = 12; });
        var running = 0;
        var highest = 0;
        var threeInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.LeaseScript.Body = async (_, _, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref highest, now);
            if (now == 3)
            {
                threeInside.TrySetResult();
            }

            // The first three hold until all three are inside at once; a fourth would have to enter meanwhile to break the bound.
            await threeInside.Task.WaitAsync(Ceiling, ct);
            Interlocked.Decrement(ref running);
            return ItemResult.Completed;
        };

        var result = await harness.RunAsync();

        result.Completed.Should().Be(12);
        highest.Should().Be(3);
    }

    [Fact]
    public async Task RunAsync_ItemTimesOut_ErrorSaysSoAndBatchMatesComplete()
    {
        await db.SeedAsync("lease_items", 3);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => { o.Retry.MaxAttempts = 1; o.Parallelism = 3; o.ItemTimeout = TimeSpan.FromSeconds(30); }, time: time);
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.LeaseScript.Body = async (item, _, ct) =>
        {
            if (item.Id == 2)
            {
                slowStarted.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            return ItemResult.Completed;
        };

        var run = harness.RunAsync();
        await slowStarted.Task.WaitAsync(Ceiling);
        time.Advance(TimeSpan.FromSeconds(31));
        var result = await run.WaitAsync(Ceiling);

        result.Completed.Should().Be(2);
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || error FROM lease_items WHERE id = 2")).Should().Be("Error/timed out after 30 s");
    }

    [Fact]
    public async Task RunAsync_ProcessorIgnoresItsTimeout_BatchIsNotBlocked()
    {
        await db.SeedAsync("lease_items", 2);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => { o.Retry.MaxAttempts = 1; o.Parallelism = 2; }, time: time);
        var stuckStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var neverEnds = new TaskCompletionSource<ItemResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.LeaseScript.Body = (item, _, _) =>
        {
            if (item.Id != 1)
            {
                return ValueTask.FromResult(ItemResult.Completed);
            }

            stuckStarted.TrySetResult();
            return new ValueTask<ItemResult>(neverEnds.Task);
        };

        var run = harness.RunAsync();
        await stuckStarted.Task.WaitAsync(Ceiling);
        time.Advance(TimeSpan.FromSeconds(31));
        var result = await run.WaitAsync(Ceiling);
        neverEnds.SetResult(ItemResult.Completed);

        result.Completed.Should().Be(1);
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || error FROM lease_items WHERE id = 1")).Should().Be("Error/timed out after 30 s");
    }

    [Fact]
    public async Task ExtendLeaseAsync_WhileOurs_MovesTheExpiryAndAfterRescue_ReportsLost()
    {
        await db.SeedAsync("lease_items", 1);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => { o.Lease.Duration = TimeSpan.FromMinutes(5); o.ItemTimeout = TimeSpan.FromMinutes(4); }, time: time);
        (bool First, string Expiry, bool AfterRescue) seen = default;
        harness.LeaseScript.Body = async (_, context, ct) =>
        {
            time.Advance(TimeSpan.FromMinutes(3));
            var first = await context.ExtendLeaseAsync(cancellationToken: ct);
            var expiry = await db.Database.ScalarAsync<string>($"SELECT lease_expires_at = '{Start.AddMinutes(8):O}'::timestamptz FROM lease_items");
            await db.Database.ExecuteAsync("UPDATE lease_items SET status = 'Queued', claimed_by = NULL");
            seen = (first, expiry, await context.ExtendLeaseAsync(cancellationToken: ct));
            return ItemResult.Completed;
        };

        await harness.RunAsync();

        seen.Should().Be((true, "True", false));
    }

    [Fact]
    public async Task ExtendLeaseAsync_InAtomicMode_Throws()
    {
        await db.SeedAsync("enum_items", 1);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        Exception? thrown = null;
        harness.Script.Body = async (_, context, ct) =>
        {
            thrown = await Record.ExceptionAsync(() => context.ExtendLeaseAsync(cancellationToken: ct));
            return ItemResult.Completed;
        };

        await harness.RunAsync();

        thrown.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain("does not run in lease mode");
    }

    [Fact]
    public async Task RunAsync_StoppingDuringBatch_UnstartedItemsReleasedWithAttemptGivenBack()
    {
        await db.SeedAsync("lease_items", 4);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        using var stopping = new CancellationTokenSource();
        harness.LeaseScript.Body = (item, _, _) =>
        {
            if (item.Id == 1)
            {
                stopping.Cancel();
            }

            return ValueTask.FromResult(ItemResult.Completed);
        };

        await harness.RunAsync(stopping: stopping.Token);

        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text || '/' || attempts || '/' || (claimed_by IS NULL), ',' ORDER BY id) FROM lease_items"))
            .Should().Be("Completed/0/true,Queued/0/true,Queued/0/true,Queued/0/true");
    }

    [Fact]
    public async Task RunAsync_RowThatCannotBeRead_EndsAsErrorWithReasonAndOthersComplete()
    {
        await db.SeedAsync("lease_items", 3);
        await db.Database.ExecuteAsync("UPDATE lease_items SET touches = NULL WHERE id = 2");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);

        var result = await harness.RunAsync();

        result.Completed.Should().Be(2);
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || error FROM lease_items WHERE id = 2")).Should().StartWith("Error/the row could not be read");
    }

    [Fact]
    public async Task RunAsync_OrderByPriorityDescending_HighestFirst()
    {
        await db.Database.ExecuteAsync("INSERT INTO lease_items (priority) VALUES (1), (5), (3)");
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, build: w => w.OrderBy(x => x.Priority, descending: true));

        await harness.RunAsync();

        harness.LeaseScript.Calls.Should().Equal(2L, 3L, 1L);
    }

    [Fact]
    public async Task RunAsync_FilterOnTenant_ClaimsOnlyThatTenant()
    {
        await db.Database.ExecuteAsync("INSERT INTO lease_items (tenant) VALUES ('a'), ('b'), ('a'), ('c')");
        var tenants = new[] { "a", "c" };
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, build: w => w.Where(x => tenants.Contains(x.Tenant) && x.Priority >= 0));

        await harness.RunAsync();

        harness.LeaseScript.Calls.Should().BeEquivalentTo([1L, 3L, 4L]);
        (await db.Database.ScalarAsync<string>("SELECT status::text FROM lease_items WHERE tenant = 'b'")).Should().Be("Queued");
    }

    [Fact]
    public async Task RunAsync_AbandonedClaimOfAKilledConnection_RescuedAndCompletedOnce()
    {
        await db.SeedAsync("lease_items", 3);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => o.Lease.Duration = TimeSpan.FromMinutes(5), time: time);
        var workflow = harness.LeaseWorkflow();

        // A worker claims with the library's own statement, then its connection dies before any outcome.
        var doomed = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false }.ConnectionString);
        await doomed.OpenAsync();
        await using (var claim = new NpgsqlCommand(workflow.Loop.Sql.LeaseClaim!, doomed))
        {
            claim.Parameters.AddWithValue("batch_size", 10);
            claim.Parameters.AddWithValue("lease", TimeSpan.FromMinutes(5));
            claim.Parameters.AddWithValue("token", "dead-host:1:0000#1");
            claim.Parameters.Add(new NpgsqlParameter("now", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = Start });
            await claim.ExecuteNonQueryAsync();
        }

        await db.Database.ExecuteAsync($"SELECT pg_terminate_backend({doomed.ProcessID})");
        await Record.ExceptionAsync(() => doomed.DisposeAsync().AsTask());

        harness.LeaseScript.Body = async (item, context, ct) =>
        {
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "survivor" });
            return ItemResult.Completed;
        };

        (await harness.RunAsync()).Claimed.Should().Be(0, "the dead worker's leases have not expired yet");
        time.Advance(TimeSpan.FromMinutes(6));
        var rescued = await workflow.Rescuer!.RescueAsync(harness.Options(), CancellationToken.None);
        var result = await harness.RunAsync();

        rescued.Requeued.Should().Be(3);
        result.Completed.Should().Be(3);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(3);
        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text || '/' || attempts, ',' ORDER BY id) FROM lease_items")).Should().Be("Completed/0,Completed/0,Completed/0");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
