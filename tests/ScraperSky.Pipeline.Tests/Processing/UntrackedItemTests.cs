using Microsoft.EntityFrameworkCore;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Processing;

/// <summary>
/// Items run untracked until their processor changes them or uses the session: in both modes, what a processor changes
/// on its entity alone is saved with the outcome (exactly the changed columns), a failed item's changes are not, and a
/// processor that reads its own row through the session gets the claimed instance back.
/// </summary>
public sealed class UntrackedItemTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Atomic_ProcessorOnlySetsAProperty_ChangeSavedWithOutcome()
    {
        await db.SeedAsync("enum_items", 3);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = (item, _, _) =>
        {
            item.Payload = "title " + item.Id;
            return ValueTask.FromResult(ItemResult.Completed);
        };

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text || '/' || payload, ',' ORDER BY id) FROM enum_items"))
            .Should().Be("Completed/title 1,Completed/title 2,Completed/title 3");
    }

    [Fact]
    public async Task Lease_ProcessorOnlySetsAProperty_ChangeSavedWithOutcome()
    {
        await db.SeedAsync("lease_items", 3);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        harness.LeaseScript.Body = (item, _, _) =>
        {
            item.Payload = "title " + item.Id;
            return ValueTask.FromResult(ItemResult.Completed);
        };

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text || '/' || payload || '/' || attempts, ',' ORDER BY id) FROM lease_items"))
            .Should().Be("Completed/title 1/0,Completed/title 2/0,Completed/title 3/0");
    }

    [Fact]
    public async Task Atomic_ProcessorChangesOneProperty_OnlyThatColumnIsWritten()
    {
        await db.SeedAsync("enum_items", 2);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = async (item, context, ct) =>
        {
            // Another column changes in the row behind the entity's back; saving only the changed property keeps it.
            await context.DbContext.Database.ExecuteSqlRawAsync("UPDATE enum_items SET payload = 'written by sql' WHERE id = {0}", [item.Id], ct);
            item.Touches = 7;
            return ItemResult.Completed;
        };

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT string_agg(payload || '/' || touches, ',' ORDER BY id) FROM enum_items"))
            .Should().Be("written by sql/7,written by sql/7");
    }

    [Fact]
    public async Task Lease_ProcessorChangesOneProperty_OnlyThatColumnIsWritten()
    {
        await db.SeedAsync("lease_items", 2);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        harness.LeaseScript.Body = async (item, context, ct) =>
        {
            await context.DbContext.Database.ExecuteSqlRawAsync("UPDATE lease_items SET payload = 'written by sql' WHERE id = {0}", [item.Id], ct);
            item.Touches = 7;
            return ItemResult.Completed;
        };

        await harness.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT string_agg(payload || '/' || touches, ',' ORDER BY id) FROM lease_items"))
            .Should().Be("written by sql/7,written by sql/7");
    }

    [Fact]
    public async Task BothModes_ProcessorChangesItemThenThrows_ChangeNotSaved()
    {
        await db.SeedAsync("enum_items", 1);
        await db.SeedAsync("lease_items", 1);
        await using var atomic = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        atomic.Script.Body = (item, _, _) =>
        {
            item.Payload = "half done";
            throw new InvalidOperationException("boom");
        };
        await using var lease = WorkflowHarness.ForLeaseItems(db.ConnectionString, o => o.Retry.MaxAttempts = 1);
        lease.LeaseScript.Body = (item, _, _) =>
        {
            item.Payload = "half done";
            throw new InvalidOperationException("boom");
        };

        await atomic.RunAsync();
        await lease.RunAsync();

        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || payload FROM enum_items")).Should().Be("Error/item 1");
        (await db.Database.ScalarAsync<string>("SELECT status::text || '/' || payload FROM lease_items")).Should().Be("Error/item 1");
    }

    [Fact]
    public async Task BothModes_ProcessorReadsItsRowThroughTheSession_GetsTheClaimedInstanceAndItsChangesAreSaved()
    {
        await db.SeedAsync("enum_items", 2);
        await db.SeedAsync("lease_items", 2);
        var sameInstance = new List<bool>();
        await using var atomic = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        atomic.Script.Body = async (item, context, ct) =>
        {
            item.Payload = "before the query";
            var loaded = await context.DbContext.Set<WorkItem>().SingleAsync(x => x.Id == item.Id, ct);
            lock (sameInstance)
            {
                sameInstance.Add(ReferenceEquals(loaded, item));
            }

            loaded.Touches = 5;
            return ItemResult.Completed;
        };
        await using var lease = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        lease.LeaseScript.Body = async (item, context, ct) =>
        {
            item.Payload = "before the query";
            var loaded = await context.DbContext.Set<LeaseItem>().FindAsync([item.Id], ct);
            lock (sameInstance)
            {
                sameInstance.Add(ReferenceEquals(loaded, item));
            }

            loaded!.Touches = 5;
            return ItemResult.Completed;
        };

        await atomic.RunAsync();
        await lease.RunAsync();

        sameInstance.Should().Equal(true, true, true, true);
        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text || '/' || payload || '/' || touches, ',' ORDER BY id) FROM enum_items"))
            .Should().Be("Completed/before the query/5,Completed/before the query/5");
        (await db.Database.ScalarAsync<string>("SELECT string_agg(status::text || '/' || payload || '/' || touches, ',' ORDER BY id) FROM lease_items"))
            .Should().Be("Completed/before the query/5,Completed/before the query/5");
    }

    [Fact]
    public async Task Atomic_ProcessorSavesItselfAfterChangingItem_ItsSaveIncludesTheItem()
    {
        await db.SeedAsync("enum_items", 1);
        string? seenBySql = null;
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString);
        harness.Script.Body = async (item, context, ct) =>
        {
            item.Payload = "saved by the processor";
            await context.DbContext.SaveChangesAsync(ct);
            seenBySql = await context.DbContext.Database.SqlQueryRaw<string>("SELECT payload AS \"Value\" FROM enum_items WHERE id = {0}", item.Id).SingleAsync(ct);
            return ItemResult.Completed;
        };

        await harness.RunAsync();

        seenBySql.Should().Be("saved by the processor");
    }
}
