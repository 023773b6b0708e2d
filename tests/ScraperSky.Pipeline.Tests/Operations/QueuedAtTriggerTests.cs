using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Operations;

/// <summary>The optional queued-at trigger: plain SQL that queues a row sets its updated-at; the script is idempotent.</summary>
public sealed class QueuedAtTriggerTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public async Task DisposeAsync()
    {
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "queued_at");
        await db.Database.ExecuteAsync(harness.Services.GetRequiredService<StatusWorkflowScripts>().RemoveQueuedAtTrigger("queued_at").Sql);
    }

    [Fact]
    public async Task QueuedAtTrigger_InstalledTwice_PlainUpdateToQueuedSetsUpdatedAt()
    {
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "queued_at");
        var scripts = harness.Services.GetRequiredService<StatusWorkflowScripts>();
        var script = scripts.QueuedAtTrigger("queued_at")!;
        await db.Database.ExecuteAsync(script.Sql);
        await db.Database.ExecuteAsync(script.Sql);
        await db.Database.ExecuteAsync("INSERT INTO lease_items (status, updated_at) VALUES ('Completed', '2000-01-01'), ('Completed', '2000-01-01'), ('Error', '2000-01-01')");

        await db.Database.ExecuteAsync("UPDATE lease_items SET status = 'Queued' WHERE id = 1");
        await db.Database.ExecuteAsync("UPDATE lease_items SET status = 'Queued', updated_at = '2001-01-01' WHERE id = 2");
        await db.Database.ExecuteAsync("UPDATE lease_items SET status = 'Completed' WHERE id = 3");
        await db.Database.ExecuteAsync("INSERT INTO lease_items (status) VALUES ('Queued')");

        script.Name.Should().Be("scrapersky_queued_at_queued_at");
        script.RequiresNoTransaction.Should().BeFalse();
        (await db.Database.ScalarAsync<string>(
            "SELECT string_agg(id || ':' || CASE WHEN updated_at > now() - interval '1 hour' THEN 'now' ELSE to_char(updated_at AT TIME ZONE 'UTC', 'YYYY') END, ', ' ORDER BY id) FROM lease_items"))
            .Should().Be("1:now, 2:2001, 3:2000, 4:now", "a writer that sets updated-at itself keeps its value, and only queueing counts");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'lease_items'::regclass AND tgname LIKE 'scrapersky_queued_at_%'")).Should().Be(2);
    }

    [Fact]
    public async Task RemoveQueuedAtTrigger_RunTwice_RemovesTriggersAndFunction()
    {
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "queued_at");
        var scripts = harness.Services.GetRequiredService<StatusWorkflowScripts>();
        await db.Database.ExecuteAsync(scripts.QueuedAtTrigger("queued_at")!.Sql);

        await db.Database.ExecuteAsync(scripts.RemoveQueuedAtTrigger("queued_at").Sql);
        await db.Database.ExecuteAsync(scripts.RemoveQueuedAtTrigger("queued_at").Sql);

        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'lease_items'::regclass AND tgname LIKE 'scrapersky_queued_at_%'")).Should().Be(0);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM pg_proc WHERE proname = 'scrapersky_queued_at_queued_at'")).Should().Be(0);
    }

    [Fact]
    public async Task All_WithAndWithoutUpdatedAt_IncludesTheQueuedAtTriggerOnlyWithTheColumn()
    {
        await using var lease = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "queued_at");
        await using var plain = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, name: "no_updated_at");

        lease.Services.GetRequiredService<StatusWorkflowScripts>().All("queued_at").Select(s => s.Name).Should().Equal(
            "scrapersky_queued_at_claim", "scrapersky_queued_at_rescue", "scrapersky_wake_queued_at", "scrapersky_queued_at_queued_at");
        plain.Services.GetRequiredService<StatusWorkflowScripts>().QueuedAtTrigger("no_updated_at").Should().BeNull();
        plain.Services.GetRequiredService<StatusWorkflowScripts>().All("no_updated_at").Should().HaveCount(2);
    }
}
