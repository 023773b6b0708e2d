using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Definition;

/// <summary>
/// The scripts a workflow asks of its table (issue 15, point 4): named and idempotent, the concurrent ones marked for
/// no transaction, the trigger's removal; and the doctor's look for invalid indexes and stale wake-up triggers.
/// </summary>
public sealed class MigrationScriptsTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        await db.Database.ExecuteAsync("""
            DO $$ DECLARE r record; BEGIN
              FOR r IN SELECT indexrelid::regclass AS ix FROM pg_index WHERE indrelid IN ('lease_items'::regclass, 'enum_items'::regclass) AND NOT indisprimary LOOP
                EXECUTE 'DROP INDEX ' || r.ix; END LOOP;
              FOR r IN SELECT tgname, tgrelid::regclass AS t FROM pg_trigger WHERE tgrelid IN ('lease_items'::regclass, 'enum_items'::regclass) AND NOT tgisinternal LOOP
                EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.t); END LOOP;
            END $$
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ClaimAndRescueIndex_RunTwice_BuildOneNamedIndexEach()
    {
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: "scripts_lease");
        var scripts = harness.Services.GetRequiredService<StatusWorkflowScripts>();

        var claim = scripts.ClaimIndex("scripts_lease");
        var rescue = scripts.RescueIndex("scripts_lease")!;
        foreach (var script in new[] { claim, rescue, claim, rescue })
        {
            await db.Database.ExecuteAsync(script.Sql);
        }

        claim.Name.Should().Be("scrapersky_scripts_lease_claim");
        rescue.Name.Should().Be("scrapersky_scripts_lease_rescue");
        claim.RequiresNoTransaction.Should().BeTrue();
        (await db.Database.ScalarAsync<string>("SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY 1) FROM pg_index WHERE indrelid = 'lease_items'::regclass AND NOT indisprimary"))
            .Should().Be("scrapersky_scripts_lease_claim,scrapersky_scripts_lease_rescue");
    }

    [Fact]
    public async Task RescueIndex_WithoutLeaseColumns_IsNull()
    {
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, name: "scripts_atomic");
        var scripts = harness.Services.GetRequiredService<StatusWorkflowScripts>();

        scripts.RescueIndex("scripts_atomic").Should().BeNull();
        scripts.All("scripts_atomic").Select(s => s.Name).Should().Equal("scrapersky_scripts_atomic_claim", "scrapersky_wake_scripts_atomic");
    }

    [Fact]
    public async Task RemoveWakeUpTrigger_AfterInstall_RemovesTriggersAndFunctionAndRunsTwice()
    {
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, name: "scripts_wake");
        var scripts = harness.Services.GetRequiredService<StatusWorkflowScripts>();
        await db.Database.ExecuteAsync(scripts.WakeUpTrigger("scripts_wake").Sql);
        var installed = await db.Database.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'enum_items'::regclass AND NOT tgisinternal");

        await db.Database.ExecuteAsync(scripts.RemoveWakeUpTrigger("scripts_wake").Sql);
        await db.Database.ExecuteAsync(scripts.RemoveWakeUpTrigger("scripts_wake").Sql);

        installed.Should().Be(2);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'enum_items'::regclass AND NOT tgisinternal")).Should().Be(0);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM pg_proc WHERE proname = 'scrapersky_wake_scripts_wake'")).Should().Be(0);
    }

    [Fact]
    public void MigrationBuilder_ConcurrentScript_SuppressesTheMigrationTransaction()
    {
        var migration = new MigrationBuilder("Npgsql.EntityFrameworkCore.PostgreSQL");

        migration.StatusWorkflowScript(new StatusWorkflowScript("ix", "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a)", requiresNoTransaction: true))
            .StatusWorkflowScript(new StatusWorkflowScript("fn", "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", requiresNoTransaction: false));

        migration.Operations.Cast<SqlOperation>().Select(o => o.SuppressTransaction).Should().Equal(true, false);
    }

    [Fact]
    public async Task Doctor_InvalidIndexAndStaleTrigger_AreReportedWithTheStatementsThatFixThem()
    {
        // A failed concurrent build leaves its index invalid; a renamed workflow leaves its trigger behind.
        await db.Database.ExecuteAsync("INSERT INTO enum_items (payload) VALUES ('same'), ('same')");
        await Record.ExceptionAsync(() => db.Database.ExecuteAsync("CREATE UNIQUE INDEX CONCURRENTLY broken_ix ON enum_items (payload)"));
        await using (var old = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, name: "old_name"))
        {
            await db.Database.ExecuteAsync(old.Services.GetRequiredService<StatusWorkflowScripts>().WakeUpTrigger("old_name").Sql);
        }

        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => { o.StartupCheck = StartupCheckMode.Fail; o.WakeUp.Enabled = false; }, name: "new_name");
        var failure = await Record.ExceptionAsync(() => harness.Workflow("new_name").CheckSchemaAsync(CancellationToken.None));

        failure.Should().NotBeNull();
        failure!.Message.Should().Contain("index broken_ix on").And.Contain("DROP INDEX CONCURRENTLY broken_ix;");
        failure.Message.Should().Contain("\"scrapersky_wake_old_name\"").And.Contain("DROP TRIGGER IF EXISTS \"scrapersky_wake_old_name_ins\" ON");
    }
}
