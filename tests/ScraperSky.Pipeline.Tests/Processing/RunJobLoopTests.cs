using Microsoft.EntityFrameworkCore;
using Npgsql;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Processing;

/// <summary>The atomic-batch run-job-loop against the real PostgreSQL (issue 2).</summary>
public sealed class RunJobLoopTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAsync_EnumStatus_QueuedRowsEndCompleted()
    {
        await db.SeedAsync("enum_items", 5);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);

        var result = await harness.RunAsync();

        result.Completed.Should().Be(5);
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 5 });
    }

    [Fact]
    public async Task RunAsync_TextStatus_QueuedRowsEndCompleted()
    {
        await db.SeedAsync("text_items", 5);
        await using var harness = WorkflowHarness.ForWorkItems<TextWorkDb>(db.ConnectionString);

        var result = await harness.RunAsync();

        result.Completed.Should().Be(5);
        (await db.Database.CountByStatusAsync("text_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 5 });
    }

    [Fact]
    public async Task RunAsync_IntegerStatus_QueuedRowsEndCompleted()
    {
        await db.SeedAsync("int_items", 5, statusLiteral: "0");
        await using var harness = WorkflowHarness.ForWorkItems<IntWorkDb>(db.ConnectionString);

        var result = await harness.RunAsync();

        result.Completed.Should().Be(5);
        (await db.Database.CountByStatusAsync("int_items")).Should().Equal(new Dictionary<string, long> { [((int)JobStatus.Completed).ToString(System.Globalization.CultureInfo.InvariantCulture)] = 5 });
    }

    [Fact]
    public async Task RunAsync_QuotedNamesInOtherSchema_RowsEndCompleted()
    {
        await db.SeedAsync("\"My Schema\".\"Work Items\"", 4, statusColumn: "\"Status Value\"", payloadColumn: "\"Payload\"");
        await using var harness = WorkflowHarness.ForWorkItems<QuirkyWorkDb>(db.ConnectionString);
        harness.Script.Body = (item, _, _) => ValueTask.FromResult(item.Payload == "item 2" ? ItemResult.Failed("two is odd") : ItemResult.Completed);

        var result = await harness.RunAsync();

        result.Should().Be(new Pipeline.Processing.WorkflowRunResult(1, 4, 3, 1));
        (await db.Database.ScalarAsync<string>("SELECT \"Error Text\" FROM \"My Schema\".\"Work Items\" WHERE \"Payload\" = 'item 2'")).Should().Be("two is odd");
        (await db.Database.CountByStatusAsync("\"My Schema\".\"Work Items\"", "\"Status Value\"")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 3, ["Error"] = 1 });
    }

    [Fact]
    public async Task RunAsync_ProcessorThrows_ItemErrorWithMessageAndBatchMatesComplete()
    {
        await db.SeedAsync("enum_items", 6);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = (item, _, _) => item.Id == 3 ? throw new InvalidOperationException("remote said no") : ValueTask.FromResult(ItemResult.Completed);

        var result = await harness.RunAsync();

        result.Completed.Should().Be(5);
        result.Failed.Should().Be(1);
        (await db.Database.ScalarAsync<string>("SELECT status::text || ':' || error FROM enum_items WHERE id = 3")).Should().Be("Error:remote said no");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed' AND error IS NULL")).Should().Be(5);
    }

    [Fact]
    public async Task RunAsync_ProcessorReturnsFailed_ItemErrorWithReason()
    {
        await db.SeedAsync("enum_items", 2);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = (item, _, _) => ValueTask.FromResult(item.Id == 1 ? ItemResult.Failed("no sitemap found") : ItemResult.Completed);

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT error FROM enum_items WHERE id = 1")).Should().Be("no sitemap found");
        (await db.Database.ScalarAsync<string>("SELECT status::text FROM enum_items WHERE id = 2")).Should().Be("Completed");
    }

    [Fact]
    public async Task RunAsync_RequeuedRowWithOldError_CompletesWithErrorCleared()
    {
        await db.Database.ExecuteAsync("INSERT INTO enum_items (status, error) VALUES ('Queued', 'failed last week')");
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);

        await harness.RunAsync();

        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed' AND error IS NULL")).Should().Be(1);
    }

    [Fact]
    public async Task RunAsync_ProcessorChangesItem_ChangesSavedWithOutcome()
    {
        await db.SeedAsync("enum_items", 3);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = (item, _, _) =>
        {
            item.Payload = "processed " + item.Id;
            item.Touches++;
            return ValueTask.FromResult(ItemResult.Completed);
        };

        await harness.RunAsync();

        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE payload = 'processed ' || id AND touches = 1 AND status = 'Completed'")).Should().Be(3);
    }

    [Fact]
    public async Task RunAsync_ProcessorWritesThenThrows_ItsWritesRollBackAndOthersKeepTheirs()
    {
        await db.SeedAsync("enum_items", 3);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = async (item, context, ct) =>
        {
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "w" });
            item.Touches = 99;
            await context.DbContext.SaveChangesAsync(ct);
            if (item.Id == 2)
            {
                throw new InvalidOperationException("failed after writing");
            }

            return ItemResult.Completed;
        };

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT string_agg(item_id::text, ',' ORDER BY item_id) FROM executions")).Should().Be("1,3");
        (await db.Database.ScalarAsync<string>("SELECT status::text || ':' || touches FROM enum_items WHERE id = 2")).Should().Be("Error:0");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE touches = 99 AND status = 'Completed'")).Should().Be(2);
    }

    [Fact]
    public async Task RunAsync_ProcessorSqlFailsThroughSession_OnlyThatItemFails()
    {
        await db.SeedAsync("enum_items", 3);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = async (item, context, ct) =>
        {
            await context.DbContext.Database.ExecuteSqlRawAsync(item.Id == 2 ? "SELECT 1/0" : "SELECT 1", ct);
            return ItemResult.Completed;
        };

        var result = await harness.RunAsync();

        result.Completed.Should().Be(2);
        (await db.Database.ScalarAsync<string>("SELECT error FROM enum_items WHERE id = 2")).Should().Contain("division by zero");
    }

    [Fact]
    public async Task RunAsync_CommandPastTheSessionAbortsTransaction_CulpritErrorsAndOthersComplete()
    {
        await db.SeedAsync("enum_items", 4);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = async (item, context, ct) =>
        {
            if (item.Id == 2)
            {
                // Straight on the ADO.NET connection: the loop cannot put a savepoint in front of it.
                var connection = context.DbContext.Database.GetDbConnection();
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1/0";
                await command.ExecuteNonQueryAsync(ct);
            }

            return ItemResult.Completed;
        };

        var result = await harness.RunAsync();

        result.Failed.Should().Be(1);
        (await db.Database.ScalarAsync<string>("SELECT status::text || ':' || error FROM enum_items WHERE id = 2")).Should().Contain("Error:").And.Contain("division by zero");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed'")).Should().Be(3);
    }

    [Fact]
    public async Task RunAsync_BatchSizeAndBatchLimit_ClaimsOnlyThatMany()
    {
        await db.SeedAsync("enum_items", 25);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o =>
        {
            o.Batch.Size = 10;
            o.Batch.MaxPerRun = 1;
        });

        var result = await harness.RunAsync();

        result.Claimed.Should().Be(10);
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 10, ["Queued"] = 15 });
    }

    [Fact]
    public async Task RunAsync_MoreRowsThanABatch_DrainsInSeveralBatches()
    {
        await db.SeedAsync("enum_items", 25);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => o.Batch.Size = 10);

        var result = await harness.RunAsync();

        result.Batches.Should().Be(3);
        result.Completed.Should().Be(25);
    }

    [Fact]
    public async Task RunAsync_SeveralAtomicBatches_ShareOneSessionDisposedAtTheRunsEnd()
    {
        await db.SeedAsync("enum_items", 25);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => o.Batch.Size = 10);
        var sessions = new HashSet<DbContext>();
        var transactions = new HashSet<Guid>();
        harness.Script.Body = (_, context, _) =>
        {
            sessions.Add(context.DbContext);
            transactions.Add(context.DbContext.Database.CurrentTransaction!.TransactionId);
            return ValueTask.FromResult(ItemResult.Completed);
        };

        var result = await harness.RunAsync();

        result.Batches.Should().Be(3);
        result.Completed.Should().Be(25);
        sessions.Should().ContainSingle("a run's atomic batches run one after another on one session");
        transactions.Should().HaveCount(3, "each batch is still a transaction of its own");
        FluentActions.Invoking(() => sessions.Single().Model).Should().Throw<ObjectDisposedException>("the run disposes its session when it ends");
    }

    [Fact]
    public async Task RunAsync_RowsInOtherStatuses_AreNotClaimed()
    {
        await db.Database.ExecuteAsync("INSERT INTO enum_items (status, error) VALUES ('Completed', NULL), ('Error', 'old'), ('Processing', NULL), ('Queued', NULL)");
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);

        await harness.RunAsync();

        harness.Script.Calls.Should().Equal(4L);
        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text || '/' || coalesce(error, '-'), ',' ORDER BY id) FROM enum_items"))
            .Should().Be("Completed/-,Error/old,Processing/-,Completed/-");
    }

    [Fact]
    public async Task RunAsync_QueuedRows_ProcessedInKeyOrder()
    {
        await db.SeedAsync("enum_items", 12);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => o.Batch.Size = 5);

        await harness.RunAsync();

        harness.Script.Calls.Should().BeInAscendingOrder().And.HaveCount(12);
    }

    [Fact]
    public async Task RunAsync_RowLockedByAnotherTransaction_IsSkippedNotWaitedFor()
    {
        await db.SeedAsync("enum_items", 3);
        await using var locker = new NpgsqlConnection(db.ConnectionString);
        await locker.OpenAsync();
        await using var lockTransaction = await locker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT id FROM enum_items WHERE id = 2 FOR UPDATE", locker, lockTransaction))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        var result = await harness.RunAsync();

        result.Completed.Should().Be(2);
        harness.Script.Calls.Should().NotContain(2L);
        await lockTransaction.RollbackAsync();
        (await db.Database.ScalarAsync<string>("SELECT status::text FROM enum_items WHERE id = 2")).Should().Be("Queued");
    }

    [Fact]
    public async Task RunAsync_StoppingDuringBatch_UnprocessedRowsStayQueued()
    {
        await db.SeedAsync("enum_items", 5);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        using var stopping = new CancellationTokenSource();
        harness.Script.Body = (item, _, _) =>
        {
            if (item.Id == 2)
            {
                stopping.Cancel();
            }

            return ValueTask.FromResult(ItemResult.Completed);
        };

        var result = await harness.RunAsync(stopping: stopping.Token);

        result.Completed.Should().Be(2);
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 2, ["Queued"] = 3 });
    }

    [Fact]
    public async Task RunAsync_RowThatCannotBeRead_EndsAsErrorWithReasonAndOthersComplete()
    {
        await db.Database.ExecuteAsync("ALTER TABLE enum_items ALTER COLUMN touches DROP NOT NULL");
        try
        {
            await db.SeedAsync("enum_items", 3);
            await db.Database.ExecuteAsync("UPDATE enum_items SET touches = NULL WHERE id = 2");
            await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);

            var result = await harness.RunAsync();

            result.Completed.Should().Be(2);
            harness.Script.Calls.Should().Equal(1L, 3L);
            (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || error FROM enum_items WHERE id = 2")).Should().StartWith("Error/the row could not be read");
        }
        finally
        {
            await db.Database.ExecuteAsync("DELETE FROM enum_items; ALTER TABLE enum_items ALTER COLUMN touches SET NOT NULL");
        }
    }

    [Fact]
    public async Task RunAsync_TwoLoopsRacingOver5000Rows_NoRowProcessedTwice()
    {
        await db.SeedAsync("enum_items", 5000);
        await using var first = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => o.Batch.Size = 50);
        await using var second = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => o.Batch.Size = 50);
        foreach (var (harness, worker) in new[] { (first, "first"), (second, "second") })
        {
            harness.Script.Body = async (item, context, ct) =>
            {
                // The ledger's primary key turns a second execution into a failure.
                context.DbContext.Add(new Execution { ItemId = item.Id, Worker = worker });
                await context.DbContext.SaveChangesAsync(ct);
                return ItemResult.Completed;
            };
        }

        var results = await Task.WhenAll(RunUntilDrained(first), RunUntilDrained(second));

        var calls = first.Script.Calls.Concat(second.Script.Calls).ToList();
        calls.Should().HaveCount(5000).And.OnlyHaveUniqueItems();
        (results[0] + results[1]).Completed.Should().Be(5000);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(5000);
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 5000 });
        first.Script.Calls.Should().NotBeEmpty("both loops should have taken part");
        second.Script.Calls.Should().NotBeEmpty("both loops should have taken part");

        static async Task<Pipeline.Processing.WorkflowRunResult> RunUntilDrained(WorkflowHarness harness)
        {
            var total = default(Pipeline.Processing.WorkflowRunResult);
            Pipeline.Processing.WorkflowRunResult run;
            do
            {
                run = await harness.RunAsync();
                total += run;
            }
            while (run.Claimed > 0);

            return total;
        }
    }
}
