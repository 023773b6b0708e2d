using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Reliability;

/// <summary>Items whose processor throws on every attempt (issue 8): they end as error, and never hold up the rest.</summary>
public sealed class PoisonItemTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly long[] Poison = [3, 7];

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAsync_PoisonItemsInLeaseMode_ErrorAfterMaxAttemptsWhileTheRestCompleteOnce()
    {
        await db.SeedAsync("lease_items", 10);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => { o.Retry.MaxAttempts = 3; o.Retry.Delay = TimeSpan.Zero; o.Batch.Size = 4; }, time: time);
        harness.LeaseScript.Body = (item, context, _) =>
        {
            if (Poison.Contains(item.Id))
            {
                throw new InvalidOperationException($"poison {item.Id} on attempt {context.Attempt}");
            }

            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "w" });
            return ValueTask.FromResult(ItemResult.Completed);
        };

        // Each run drains what is due; a zero retry delay makes a failed item due again at once. Bounded: 3 attempts each.
        for (var run = 0; run < 10 && (await harness.RunAsync()).Claimed > 0; run++)
        {
        }

        (await db.Database.ScalarAsync<string>("SELECT string_agg(id || ':' || status::text || '/' || attempts, ',' ORDER BY id) FROM lease_items WHERE status <> 'Completed'"))
            .Should().Be("3:Error/0,7:Error/0");
        (await db.Database.ScalarAsync<string>("SELECT error FROM lease_items WHERE id = 7")).Should().Be("poison 7 on attempt 3 (gave up after 3 attempts)");
        harness.LeaseScript.Calls.Where(id => Poison.Contains(id)).Should().HaveCount(6, "each poison item runs exactly MaxAttempts times");
        harness.LeaseScript.Calls.Where(id => !Poison.Contains(id)).Should().OnlyHaveUniqueItems().And.HaveCount(8);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM executions")).Should().Be(8);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM lease_items WHERE status = 'Completed' AND attempts = 0")).Should().Be(8);
    }

    [Fact]
    public async Task RunAsync_PoisonItemsInAtomicMode_ErrorAtOnceAndTheirWritesRolledBackWhileTheRestComplete()
    {
        await db.SeedAsync("enum_items", 10);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => o.Batch.Size = 4);
        harness.Script.Body = async (item, context, ct) =>
        {
            // Every item writes through the session first; the poison items then throw, and their writes must go.
            context.DbContext.Add(new Execution { ItemId = item.Id, Worker = "w" });
            await context.DbContext.SaveChangesAsync(ct);
            if (Poison.Contains(item.Id))
            {
                throw new InvalidOperationException($"poison {item.Id}");
            }

            return ItemResult.Completed;
        };

        var result = await harness.RunAsync();

        result.Completed.Should().Be(8);
        result.Failed.Should().Be(2);
        (await db.Database.ScalarAsync<string>("SELECT string_agg(id || ':' || error, ',' ORDER BY id) FROM enum_items WHERE status = 'Error'")).Should().Be("3:poison 3,7:poison 7");
        (await db.Database.ScalarAsync<string>("SELECT string_agg(item_id::text, ',' ORDER BY item_id) FROM executions")).Should().Be("1,2,4,5,6,8,9,10");
        harness.Script.Calls.Should().HaveCount(10, "a poison item in atomic mode is tried once: no attempts are counted");
    }
}
