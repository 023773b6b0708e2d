using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Processing;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Processing;

/// <summary>
/// Atomic batches whose transaction an item breaks (issue 12, points 1–3): refused raw transaction control, a COMMIT
/// sent around the session, an item that kills its own connection, and a processor that outlives the host's stop.
/// Each ends with a bounded outcome: the culprit as error, its batch-mates completed, nothing looping.
/// </summary>
public sealed class AtomicIsolationTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Point 1: <c>ExecuteSqlRaw("UPDATE …; COMMIT")</c> through the session is refused like the transaction API.</summary>
    [Fact]
    public async Task RawCommitThroughTheSession_IsRefusedAndOnlyThatItemFails()
    {
        await db.SeedAsync("enum_items", 4);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = async (item, context, ct) =>
        {
            if (item.Id == 2)
            {
                await context.DbContext.Database.ExecuteSqlRawAsync("UPDATE enum_items SET touches = touches + 1 WHERE id = 2; COMMIT", ct);
            }

            return ItemResult.Completed;
        };

        var result = await harness.RunAsync().WaitAsync(Ceiling);

        result.Completed.Should().Be(3);
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || touches FROM enum_items WHERE id = 2")).Should().Be("Error/0");
        (await db.Database.ScalarAsync<string>("SELECT error FROM enum_items WHERE id = 2")).Should().Contain("'COMMIT'").And.Contain("owns the transaction");
        harness.Script.Calls.Should().HaveCount(4, "nothing runs twice");
    }

    /// <summary>Point 1, second line of defence: a COMMIT sent on the raw connection, around EF, is detected before the outcomes.</summary>
    [Fact]
    public async Task CommitAroundTheSession_IsDetectedAndTheCulpritIsIsolatedUntilItEndsAsError()
    {
        await db.SeedAsync("enum_items", 4);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        var calls = new ConcurrentDictionary<long, int>();
        harness.Script.Body = async (item, context, ct) =>
        {
            calls.AddOrUpdate(item.Id, 1, (_, n) => n + 1);
            if (item.Id == 2)
            {
                var connection = context.DbContext.Database.GetDbConnection();
                await using var commit = connection.CreateCommand();
                commit.CommandText = "COMMIT";
                await commit.ExecuteNonQueryAsync(ct);
            }

            return ItemResult.Completed;
        };

        await harness.RunAsync().WaitAsync(Ceiling);

        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 3, ["Error"] = 1 });
        (await db.Database.ScalarAsync<string>("SELECT error FROM enum_items WHERE id = 2")).Should().Contain("broke its transaction").And.Contain($"{AtomicIsolation<WorkItem>.MaxIsolatedFailures} isolated attempts");
        calls.Where(c => c.Key != 2).Should().OnlyContain(c => c.Value <= 2, "an item that breaks the transaction takes its batch-mates' work with it at most once");
        calls[2].Should().BeLessThanOrEqualTo(1 + AtomicIsolation<WorkItem>.MaxIsolatedFailures);
    }

    /// <summary>Point 2: an item that always breaks the transaction (it kills its own connection) no longer loops.</summary>
    [Fact]
    public async Task ItemThatAlwaysKillsItsConnection_EndsAsErrorAfterTheIsolatedAttemptsWhileTheRestComplete()
    {
        await db.SeedAsync("enum_items", 3);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        var sideEffects = new ConcurrentDictionary<long, int>();
        harness.Script.Body = async (item, context, ct) =>
        {
            sideEffects.AddOrUpdate(item.Id, 1, (_, n) => n + 1);
            if (item.Id == 2)
            {
                var connection = context.DbContext.Database.GetDbConnection();
                await using var kill = connection.CreateCommand();
                kill.CommandText = "SELECT pg_terminate_backend(pg_backend_pid())";
                await kill.ExecuteNonQueryAsync(ct);
            }

            return ItemResult.Completed;
        };

        for (var run = 0; run < 3 && await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Queued'") > 0; run++)
        {
            await Record.ExceptionAsync(() => harness.RunAsync().WaitAsync(Ceiling));
        }

        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 2, ["Error"] = 1 });
        sideEffects[2].Should().BeLessThanOrEqualTo(1 + AtomicIsolation<WorkItem>.MaxIsolatedFailures, "the side effects of an item that breaks its transaction repeat a bounded number of times");
        sideEffects.Where(c => c.Key != 2).Should().OnlyContain(c => c.Value <= 2);
    }

    /// <summary>Point 2 with an attempts column: each isolated failure is an attempt, and the row ends as error after <c>MaxAttempts</c>.</summary>
    [Fact]
    public async Task ItemThatAlwaysBreaks_WithAnAttemptsColumn_EndsAsErrorAfterMaxAttempts()
    {
        await db.SeedAsync("lease_items", 2);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => { o.Mode = ClaimMode.AtomicBatch; o.Retry.MaxAttempts = 2; });
        var calls = new ConcurrentDictionary<long, int>();
        harness.LeaseScript.Body = async (item, context, ct) =>
        {
            calls.AddOrUpdate(item.Id, 1, (_, n) => n + 1);
            if (item.Id == 1)
            {
                var connection = context.DbContext.Database.GetDbConnection();
                await using var kill = connection.CreateCommand();
                kill.CommandText = "SELECT pg_terminate_backend(pg_backend_pid())";
                await kill.ExecuteNonQueryAsync(ct);
            }

            return ItemResult.Completed;
        };

        for (var run = 0; run < 3 && await db.Database.ScalarAsync<long>("SELECT count(*) FROM lease_items WHERE status = 'Queued'") > 0; run++)
        {
            await Record.ExceptionAsync(() => harness.RunAsync().WaitAsync(Ceiling));
        }

        (await db.Database.ScalarAsync<string>("SELECT string_agg(id || ':' || status::text, ',' ORDER BY id) FROM lease_items")).Should().Be("1:Error,2:Completed");
        (await db.Database.ScalarAsync<string>("SELECT error FROM lease_items WHERE id = 1")).Should().Contain("gave up after 2 attempts");
        calls[1].Should().BeLessThanOrEqualTo(3, "one batch and two isolated attempts");
    }

    /// <summary>Point 3: a processor that ignores cancellation cannot commit after the host said it stopped.</summary>
    [Fact]
    public async Task ProcessorIgnoringCancellationAtShutdown_CommitsNothingAfterStopAsyncReturned()
    {
        await db.SeedAsync("enum_items", 2);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lateWrite = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new ProcessorScript
        {
            Body = async (item, context, _) =>
            {
                if (item.Id == 2)
                {
                    inside.TrySetResult();
                    await release.Task; // ignores every cancellation
                    try
                    {
                        context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "late" });
                        await context.DbContext.SaveChangesAsync();
                        lateWrite.TrySetResult(null);
                    }
                    catch (Exception ex)
                    {
                        lateWrite.TrySetResult(ex);
                    }
                }

                return ItemResult.Completed;
            },
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("atomic_stop")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o => o.Schedule.Interval = TimeSpan.FromHours(1));
        using var host = builder.Build();

        await host.StartAsync();
        await inside.Task.WaitAsync(Ceiling);
        await host.StopAsync().WaitAsync(Ceiling);
        var afterStop = await db.Database.ScalarAsync<string>("SELECT string_agg(id || ':' || status::text, ',' ORDER BY id) FROM enum_items");
        release.TrySetResult();
        var late = await lateWrite.Task.WaitAsync(Ceiling);

        afterStop.Should().Be("1:Queued,2:Queued", "the batch's transaction was ended on the server: nothing of it committed");
        late.Should().NotBeNull("the abandoned processor's session refuses further commands");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(0);
        (await db.Database.ScalarAsync<string>("SELECT string_agg(id || ':' || status::text, ',' ORDER BY id) FROM enum_items")).Should().Be("1:Queued,2:Queued");
    }

    /// <summary>Point 2: a server timeout that would break every atomic batch alike is named at start-up.</summary>
    [Fact]
    public async Task StartUp_IdleInTransactionTimeoutShorterThanItemTimeout_IsWarnedAbout()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Options = "-c idle_in_transaction_session_timeout=500" }.ConnectionString;
        var logs = new LogSignal();
        await using var harness = WorkflowHarness.Create<EnumWorkDb>(
            connectionString,
            services => services.AddStatusWorkflow<WorkItem, JobStatus>("work")
                .UseDbContext<EnumWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .UseProcessor<ScriptedProcessor>()
                .Configure(o => o.ItemTimeout = TimeSpan.FromMinutes(1)),
            logs: logs);

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        logs.Events.Should().ContainSingle(e => e.EventId == 1020).Which.Message.Should().Contain("idle_in_transaction_session_timeout (00:00:00.5000000)");
    }
}
