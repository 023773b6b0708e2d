using Microsoft.EntityFrameworkCore;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Processing;

/// <summary>Processors never control the loop's transaction (issue 2): every attempt fails clearly and only that item fails.</summary>
public sealed class LoopTransactionGuardTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string> Attempts => new() { "begin", "begin-sync", "commit", "rollback", "savepoint", "commit-current" };

    [Theory]
    [MemberData(nameof(Attempts))]
    public async Task ProcessAsync_ProcessorControlsTransaction_ItemFailsWithClearMessageAndOthersComplete(string attempt)
    {
        await db.SeedAsync("enum_items", 3);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        Exception? seen = null;
        harness.Script.Body = async (item, context, ct) =>
        {
            if (item.Id != 2)
            {
                return ItemResult.Completed;
            }

            var database = context.DbContext.Database;
            try
            {
                switch (attempt)
                {
                    case "begin":
                        await database.BeginTransactionAsync(ct);
                        break;
                    case "begin-sync":
                        database.BeginTransaction();
                        break;
                    case "commit":
                        await database.CommitTransactionAsync(ct);
                        break;
                    case "rollback":
                        await database.RollbackTransactionAsync(ct);
                        break;
                    case "savepoint":
                        await database.CurrentTransaction!.CreateSavepointAsync("mine", ct);
                        break;
                    case "commit-current":
                        database.CurrentTransaction!.Commit();
                        break;
                }
            }
            catch (Exception ex)
            {
                seen = ex;
                throw;
            }

            return ItemResult.Completed;
        };

        var result = await harness.RunAsync();

        result.Completed.Should().Be(2);
        result.Failed.Should().Be(1);
        var error = await db.Database.ScalarAsync<string>("SELECT error FROM enum_items WHERE id = 2");
        error.Should().Contain("Status workflow 'work'").And.Contain("the workflow loop owns the transaction");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed'")).Should().Be(2);
        if (attempt is not ("begin" or "begin-sync"))
        {
            // Refused before reaching the database: the processor itself sees the library's exception.
            seen.Should().BeOfType<ProcessorTransactionException>();
        }
    }

    [Fact]
    public async Task ProcessAsync_ProcessorUsesSessionNormally_NoGuardInterference()
    {
        await db.SeedAsync("enum_items", 2);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = async (item, context, ct) =>
        {
            var count = await context.DbContext.Set<WorkItem>().CountAsync(ct);
            item.Payload = "saw " + count;
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "guard" });
            return ItemResult.Completed;
        };

        var result = await harness.RunAsync();

        result.Completed.Should().Be(2);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(2);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE payload = 'saw 2'")).Should().Be(2);
    }
}
