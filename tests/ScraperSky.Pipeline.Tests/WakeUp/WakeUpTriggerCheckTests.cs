using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;
using ScraperSky.Pipeline.WakeUp;

namespace ScraperSky.Pipeline.Tests.WakeUp;

/// <summary>
/// Regression (bad input, item 9): with WakeUp on and the trigger left to a migration, a missing or outdated trigger
/// used to leave only "listening" in the log while the workflow silently polled. Start-up now says so, or stops with
/// StartupCheck = Fail.
/// </summary>
public sealed class WakeUpTriggerCheckTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        await db.Database.ExecuteAsync("DROP FUNCTION IF EXISTS scrapersky_wake_work CASCADE");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task CheckSchemaAsync_TriggerMissing_WarnsHowToInstallIt()
    {
        var logs = new LogSignal();
        await using var harness = Harness(StartupCheckMode.Warn, logs);

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        logs.Messages(5004).Should().ContainSingle().Which.Should()
            .Contain("the wake-up trigger function scrapersky_wake_work does not exist").And.Contain("WakeUp:InstallTrigger = true");
        var status = harness.Services.GetRequiredService<IPipelineCatalog>().GetWakeUpStatus("work");
        status.State.Should().Be(WakeUpState.PollingOnly, "no notification can arrive without the trigger");
        status.Reason.Should().Contain("does not exist");
    }

    [Fact]
    public async Task CheckSchemaAsync_TriggerMissingAndDoctorFail_Stops()
    {
        await using var harness = Harness(StartupCheckMode.Fail, new LogSignal());

        var check = () => harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        (await check.Should().ThrowAsync<InvalidOperationException>()).WithMessage("Status workflow 'work' failed its start-up check (StartupCheck = Fail): WakeUp:Enabled is on but the wake-up trigger function*does not exist*");
    }

    [Fact]
    public async Task CheckSchemaAsync_TriggerOfAnOlderVersion_Warns()
    {
        var logs = new LogSignal();
        await using var harness = Harness(StartupCheckMode.Warn, logs);
        await db.Database.ExecuteAsync(WakeUpSql.TriggerDdl(harness.Workflow().Definition).Replace("pg_notify('scrapersky_work'", "pg_notify('scrapersky_old_name'", StringComparison.Ordinal));

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        logs.Messages(5004).Should().ContainSingle().Which.Should().Contain("is not the current version");
    }

    [Fact]
    public async Task CheckSchemaAsync_TriggerDisabled_Warns()
    {
        var logs = new LogSignal();
        await using var harness = Harness(StartupCheckMode.Warn, logs);
        await db.Database.ExecuteAsync(WakeUpSql.TriggerDdl(harness.Workflow().Definition) + "; ALTER TABLE enum_items DISABLE TRIGGER scrapersky_wake_work_ins;");

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        logs.Messages(5004).Should().ContainSingle().Which.Should().Contain("only one of the triggers");
    }

    [Fact]
    public async Task CheckSchemaAsync_CurrentTriggerInstalledByAMigration_NoWarning()
    {
        var logs = new LogSignal();
        await using var harness = Harness(StartupCheckMode.Fail, logs);
        await db.Database.ExecuteAsync(WakeUpSql.TriggerDdl(harness.Workflow().Definition));

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        logs.Count(5004).Should().Be(0);
        harness.Services.GetRequiredService<IPipelineCatalog>().GetWakeUpStatus("work").State.Should().Be(WakeUpState.Connecting, "the trigger is fine and the listener has not started");
    }

    private WorkflowHarness Harness(StartupCheckMode doctor, LogSignal logs)
        => WorkflowHarness.Create<EnumWorkDb>(
            db.ConnectionString,
            services => services.AddStatusWorkflow<WorkItem, JobStatus>("work")
                .UseDbContext<EnumWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .UseProcessor<ScriptedProcessor>()
                .Configure(o =>
                {
                    o.WakeUp.Enabled = true;
                    o.StartupCheck = doctor;
                }),
            logs: logs);
}
