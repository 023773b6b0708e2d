using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Operations;

/// <summary>
/// The catalog's descriptions come from the registrations, the EF Core model and the options: no database is needed
/// (the connection string points nowhere), no host is started, and disabled workflows are described too.
/// </summary>
public sealed class CatalogInfoTests
{
    private const string Nowhere = "Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=1";

    [Fact]
    public async Task GetWorkflows_EnumAndTextStatus_DescribeTablesValuesAndSettingsWithoutTheDatabase()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScraperSky:Workflows:texts:Schedule:Interval"] = "00:00:30",
            ["ScraperSky:Workflows:texts:WakeUp:ConnectionString"] = "Host=db;Password=secret",
        }).Build();
        await using var harness = WorkflowHarness.Create<EnumWorkDb>(Nowhere, services =>
        {
            services.AddSingleton<IConfiguration>(configuration);
            services.AddDbContext<TextWorkDb>(o => TestSchema.UseTestDatabase(o, Nowhere));
            services.AddStatusWorkflow<WorkItem, JobStatus>("enums")
                .UseDbContext<EnumWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .ErrorText(x => x.Error)
                .UseProcessor<ScriptedProcessor>()
                .Configure(o => o.Batch.Size = 7);
            services.AddStatusWorkflow<WorkItem, JobStatus>("texts")
                .UseDbContext<TextWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .UseProcessor<ScriptedProcessor>()
                .Configure(o =>
                {
                    o.Enabled = false;
                    o.Schedule.JobId = "text_job";
                });
        });
        var catalog = harness.Services.GetRequiredService<IPipelineCatalog>();

        var workflows = catalog.GetWorkflows();

        workflows.Select(w => w.Name).Should().Equal("enums", "texts");
        var enums = workflows[0];
        enums.JobId.Should().Be("enums");
        enums.Table.Should().Be("enum_items");
        enums.KeyColumn.Should().Be("id");
        enums.StatusColumn.Should().Be("status");
        enums.Values.Should().BeEquivalentTo(new Dictionary<StatusRole, string>
        {
            [StatusRole.Queued] = "Queued",
            [StatusRole.Processing] = "Processing",
            [StatusRole.Completed] = "Completed",
            [StatusRole.Error] = "Error",
        });
        enums.EntityType.Should().Be(typeof(WorkItem));
        enums.Mode.Should().Be(ClaimMode.AtomicBatch);
        enums.Enabled.Should().BeTrue();
        enums.Interval.Should().Be(StatusWorkflowScheduleOptions.DefaultInterval);
        enums.Cron.Should().BeNull();
        enums.HasErrorColumn.Should().BeTrue();
        enums.HasUpdatedAt.Should().BeFalse();
        enums.Settings.Should().ContainEquivalentOf(new StatusWorkflowSetting("Batch:Size", "7", "code"));
        enums.Settings.Should().ContainEquivalentOf(new StatusWorkflowSetting("Schedule:JobId", "enums", "default"));

        var texts = workflows[1];
        texts.Enabled.Should().BeFalse("a disabled workflow is still described");
        texts.JobId.Should().Be("text_job");
        texts.Table.Should().Be("text_items");
        texts.HasErrorColumn.Should().BeFalse();
        texts.Values[StatusRole.Error].Should().Be("Error");
        texts.Interval.Should().Be(TimeSpan.FromSeconds(30));
        texts.Settings.Should().ContainEquivalentOf(new StatusWorkflowSetting("Schedule:Interval", "00:00:30", "configuration ScraperSky:Workflows:texts:Schedule:Interval"));
        texts.Settings.Should().NotContain(s => s.Path.Contains("ConnectionString", StringComparison.Ordinal) || s.Value.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetWorkflow_IntegerStatusAndLeaseColumns_ValuesAreTheStoredTextAndColumnsAreSeen()
    {
        await using var harness = WorkflowHarness.Create<IntWorkDb>(Nowhere, services =>
        {
            services.AddDbContext<LeaseWorkDb>(o => TestSchema.UseTestDatabase(o, Nowhere));
            services.AddStatusWorkflow<WorkItem, JobStatus>("ints")
                .UseDbContext<IntWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .UseProcessor<ScriptedProcessor>();
            services.AddStatusWorkflow<LeaseItem, JobStatus>("leases")
                .UseDbContext<LeaseWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .ErrorText(x => x.Error)
                .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
                .UpdatedAt(x => x.UpdatedAt)
                .UseProcessor<LeaseProcessor>()
                .Configure(o => o.Mode = ClaimMode.Lease);
        });
        var catalog = harness.Services.GetRequiredService<IPipelineCatalog>();

        var ints = catalog.GetWorkflow("ints");
        var leases = catalog.GetWorkflow("leases");

        ints!.Values.Values.Should().Equal("0", "1", "2", "3");
        leases!.Mode.Should().Be(ClaimMode.Lease);
        leases.HasUpdatedAt.Should().BeTrue();
        leases.HasErrorColumn.Should().BeTrue();
        catalog.GetWorkflow("nope").Should().BeNull();
    }

    [Fact]
    public async Task GetCountsAsync_UnknownWorkflow_ThrowsNamingItAndTheRegisteredOnes()
    {
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(Nowhere, name: "known");
        var catalog = harness.Services.GetRequiredService<IPipelineCatalog>();

        var counts = async () => await catalog.GetCountsAsync("unknown");
        var rows = () => catalog.GetRowsAsync("unknown", new StatusRowFilter());

        (await counts.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("'unknown'").And.Contain("'known'");
        (await rows.Should().ThrowAsync<ArgumentException>()).Which.ParamName.Should().Be("workflowName");
    }

    [Fact]
    public async Task PipelineCatalog_OnlyScheduledJobs_IsRegisteredWithNoWorkflows()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddScheduledJob("job", _ => Task.FromResult(0), o => o.Interval = TimeSpan.FromMinutes(1));
        await using var provider = services.BuildServiceProvider();

        var catalog = provider.GetRequiredService<IPipelineCatalog>();

        catalog.GetWorkflows().Should().BeEmpty();
        (await catalog.Invoking(c => c.GetCountsAsync("job").AsTask()).Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("registered: none");
    }
}
