using System.Collections.Concurrent;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Engine;

/// <summary>
/// Issue 11 (finished work is never thrown away): every failure path counts against MaxAttempts — including an
/// outcome the database refuses to store — and a row that reaches Completed or Error starts with a fresh budget when
/// it is queued again.
/// </summary>
public sealed class RetryBudgetTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private const string RefusePoison = """
        CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.payload = 'poison' AND NEW.status = 'Completed' THEN
                RAISE EXCEPTION 'poison outcome refused';
            END IF;
            RETURN NEW;
        END $$;
        DROP TRIGGER IF EXISTS refuse_poison ON lease_items;
        CREATE TRIGGER refuse_poison BEFORE UPDATE ON lease_items FOR EACH ROW EXECUTE FUNCTION refuse_poison();
        """;

    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => db.Database.ExecuteAsync("DROP TRIGGER IF EXISTS refuse_poison ON lease_items");

    /// <summary>
    /// Issue 11: a row whose Completed outcome a trigger refuses is tried MaxAttempts times, then ends as error naming
    /// the refusal, with its attempts reset; its batch-mate's outcome is written regardless. Both ways an outcome is
    /// written: beside the processor's own writes in its transaction, or on its own.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OutcomeTheDatabaseRefuses_CountsAsAnAttemptAndEndsAsErrorAfterMaxAttempts(bool writesThroughSession)
    {
        await db.Database.ExecuteAsync(RefusePoison);
        await LeaseItems.InsertAsync(db, "poison", "fine");
        var script = new LeaseScript();
        script.Body = async (item, context, ct) =>
        {
            if (writesThroughSession)
            {
                item.Touches++;
                await context.DbContext.SaveChangesAsync(ct);
            }

            return ItemResult.Completed;
        };
        await using var host = await LeaseHost.StartAsync(db.ConnectionString, script, o =>
        {
            o.Batch.Size = 2;
            o.Retry.MaxAttempts = 3;
            o.Retry.Delay = TimeSpan.Zero;
            o.Schedule.Interval = TimeSpan.FromMilliseconds(250);
        });

        var ended = await Polling.UntilAsync(async () => script.Calls.Count(id => id == 1) > 3 || await LeaseItems.StatusAsync(db, 1) == "Error", Ceiling);

        var rows = await LeaseItems.DescribeAsync(db);
        ended.Should().BeTrue("the poison row ends or runs a fourth time within the ceiling; rows: {0}", rows);
        (await LeaseItems.StatusAsync(db, 1)).Should().Be("Error", "rows: {0}", rows);
        script.Calls.Count(id => id == 1).Should().Be(3, "an outcome that cannot be written uses up an attempt; rows: {0}", rows);
        (await db.Database.ScalarAsync<string>("SELECT error FROM lease_items WHERE id = 1")).Should().Contain("poison outcome refused");
        (await db.Database.ScalarAsync<int>("SELECT attempts FROM lease_items WHERE id = 1")).Should().Be(0, "a row that reaches Error gets a fresh budget");
        (await LeaseItems.StatusAsync(db, 2)).Should().Be("Completed", "the batch-mate's outcome is written although the poison row's is refused; rows: {0}", rows);
        script.Calls.Count(id => id == 2).Should().Be(1);
    }

    /// <summary>
    /// Issue 11: a row queued again by plain SQL after it completed starts with a fresh budget: completed three more
    /// times (more than MaxAttempts claims in all), its next failure is retried, not ended as error.
    /// </summary>
    [Fact]
    public async Task RowRequeuedAfterCompleting_StartsWithAFreshBudget()
    {
        await LeaseItems.InsertAsync(db, "requeued");
        var script = new LeaseScript();
        var calls = 0;
        script.Body = (_, _, _) => ValueTask.FromResult(Interlocked.Increment(ref calls) == 4 ? ItemResult.Retry("once") : ItemResult.Completed);
        await using var host = await LeaseHost.StartAsync(db.ConnectionString, script, o =>
        {
            o.Retry.MaxAttempts = 3;
            o.Retry.Delay = TimeSpan.Zero;
            o.Schedule.Interval = TimeSpan.FromMilliseconds(250);
        });

        var attemptsAfterCompleting = new ConcurrentQueue<int>();
        for (var cycle = 0; cycle < 4; cycle++)
        {
            if (cycle > 0)
            {
                await db.Database.ExecuteAsync("UPDATE lease_items SET status = 'Queued' WHERE id = 1");
            }

            (await Polling.UntilAsync(async () => await LeaseItems.StatusAsync(db, 1) is "Completed" or "Error", Ceiling))
                .Should().BeTrue("cycle {0} ends; rows: {1}", cycle, await LeaseItems.DescribeAsync(db));
            attemptsAfterCompleting.Enqueue(await db.Database.ScalarAsync<int>("SELECT attempts FROM lease_items WHERE id = 1"));
        }

        var rows = await LeaseItems.DescribeAsync(db);
        (await LeaseItems.StatusAsync(db, 1)).Should().Be("Completed", "the failure on the fourth claim is the row's first attempt since it was queued again; rows: {0}", rows);
        script.Calls.Should().HaveCount(5, "four claims, and one retry of the failed one");
        attemptsAfterCompleting.Should().Equal([0, 0, 0, 0], "the attempts column is reset when a row completes");
    }
}
