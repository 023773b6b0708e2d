using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Hosting;

/// <summary>Workflows run as jobs of the host's scheduler, and misconfigurations that stop the host at start-up (issues 2 and 3).</summary>
public sealed class StatusWorkflowJobSourceTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StartAsync_QueuedRows_AreProcessedByTheHost()
    {
        await db.SeedAsync("enum_items", 3);
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = BuildHost<EnumWorkDb>(script => script.Body = (item, _, _) =>
        {
            if (item.Id == 3)
            {
                allSeen.TrySetResult();
            }

            return ValueTask.FromResult(ItemResult.Completed);
        });

        await host.StartAsync();
        await allSeen.Task.WaitAsync(Ceiling);
        await host.StopAsync();

        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 3 });
    }

    [Fact]
    public async Task StopAsync_CalledTwice_IsSafe()
    {
        using var host = BuildHost<EnumWorkDb>();
        await host.StartAsync();

        await host.StopAsync();
        var again = () => host.StopAsync();

        await again.Should().NotThrowAsync();
    }

    [Fact]
    public async Task StartAsync_StatusTypeDoesNotMatchColumn_FailsNamingTStatusAndClaimsNothing()
    {
        await db.SeedAsync("enum_items", 2);
        using var host = BuildHost<MismatchedWorkDb>();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("Status workflow 'work' is misconfigured (TStatus): the model stores the status as Int32*does not match the type of column \"status\"*");
        host.Services.GetRequiredService<ProcessorScript>().Calls.Should().BeEmpty();
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Queued"] = 2 });
    }

    [Fact]
    public async Task StartAsync_StatusValueNotAnEnumLabel_FailsNamingStatus()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDbContext<WrongLabelDb>(o => TestSchema.Quiet(o).UseNpgsql(db.ConnectionString, n => n.MapEnum<WrongLabel>("job_status", nameTranslator: TestSchema.NameTranslator)));
        builder.Services.AddStatusWorkflow<WrongLabelItem, WrongLabel>("work")
            .UseDbContext<WrongLabelDb>()
            .Status(x => x.Status, WrongLabel.Queued, WrongLabel.Processing, WrongLabel.Done, WrongLabel.Error)
            .UseProcessor<CompleteEverything<WrongLabelItem>>();
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("Status workflow 'work' is misconfigured (Status): a status value is not valid for column \"status\"*Done*");
    }

    [Fact]
    public async Task StartAsync_TableMissing_FailsNamingTable()
    {
        using var host = BuildHost<MissingTableDb>();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*'work'*table no_such_table does not exist*");
    }

    [Theory]
    [InlineData(0, "Batch:Size must be between 1 and 10000 (was 0)")]
    [InlineData(10_001, "Batch:Size must be between 1 and 10000 (was 10001)")]
    public async Task StartAsync_BatchSizeOutOfRange_FailsNamingWorkflowAndSetting(int batchSize, string expected)
    {
        using var host = BuildHost<EnumWorkDb>(configure: o => o.Batch.Size = batchSize);

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage($"*Status workflow 'work': {expected}*");
    }

    [Fact]
    public async Task StartAsync_IntervalZero_FailsNamingInterval()
    {
        using var host = BuildHost<EnumWorkDb>(configure: o => o.Schedule.Interval = TimeSpan.Zero);

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*Status workflow 'work': Schedule:Interval must be more than zero*");
    }

    [Fact]
    public async Task StartAsync_DatabaseUnreachable_HostStillStarts()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ProcessorScript>();
        // A closed port: the schema check is deferred to the first claim instead of failing the host.
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, "Host=127.0.0.1;Port=1;Database=x;Username=x;Timeout=2"));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>();
        using var host = builder.Build();

        var start = () => host.StartAsync();

        await start.Should().NotThrowAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task StartAsync_JobIdConfigured_WorkflowRunsUnderThatJobId()
    {
        await db.SeedAsync("enum_items", 2);
        var jobIds = new Signals<string>();
        using var host = BuildHost<EnumWorkDb>(
            script => script.Body = (_, context, _) =>
            {
                jobIds.Post(context.JobId);
                return ValueTask.FromResult(ItemResult.Completed);
            },
            o => o.Schedule.JobId = "process_pending_items");

        await host.StartAsync();
        var seen = new[] { await jobIds.NextAsync(), await jobIds.NextAsync() };
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();

        seen.Should().AllBe("process_pending_items");
        scheduler.GetJob("process_pending_items").Should().NotBeNull();
        scheduler.GetJob("work").Should().BeNull();
        await host.StopAsync();
    }

    [Fact]
    public async Task RunNowAsync_WorkflowJob_ReportsTheRowsItClaimed()
    {
        var time = new FakeTimeProvider();
        using var host = BuildHost<EnumWorkDb>(extra: b => b.Services.AddSingleton<TimeProvider>(time));
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();
        var executed = new Signals<JobRunResult>();
        scheduler.JobExecuted += (_, r) => executed.Post(r);
        await host.StartAsync();
        (await executed.NextAsync()).ItemsProcessed.Should().Be(0, "the first run found nothing queued");

        await db.SeedAsync("enum_items", 3);
        var result = await scheduler.RunNowAsync("work").WaitAsync(Ceiling);

        result.Should().Match<JobRunResult>(r => r.Outcome == JobRunOutcome.Succeeded && r.ItemsProcessed == 3);
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 3 });
        await host.StopAsync();
    }

    [Fact]
    public async Task StartAsync_DisabledByEnvironment_NoJobIsScheduled()
    {
        await db.SeedAsync("enum_items", 1);
        using var host = BuildHost<EnumWorkDb>(extra: b => b.Configuration.AddStatusWorkflowEnvironmentVariables(new Dictionary<string, string> { ["WORK_SCHEDULER_ENABLED"] = "false" }));

        await host.StartAsync();

        host.Services.GetRequiredService<IJobScheduler>().GetJobs().Should().BeEmpty();
        await host.StopAsync();
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Queued"] = 1 });
    }

    /// <summary>A misspelled configuration key or workflow section is warned about like a misspelled variable (Public API v1).</summary>
    [Fact]
    public async Task StartAsync_LogsEffectiveSettingsWithSources_AndWarnsAboutSettingsNoWorkflowReads()
    {
        var logs = new LogSignal();
        var env = new Dictionary<string, string>
        {
            ["WORK_SCHEDULER_BATCH_SIZE"] = "5",
            ["FOO_SCHEDULER_BATCH_SIZE"] = "1",
            ["WORK_SCHEDULER_BATCHSIZE"] = "3",
        };
        using var host = BuildHost<EnumWorkDb>(configure: o => o.Schedule.MaxInstances = 2, extra: b =>
        {
            b.Logging.AddProvider(logs);
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ScraperSky:Workflows:work:Schedule:Interval"] = "00:00:30",
                ["ScraperSky:Workflows:work:MaxBatchesPerRn"] = "3",
                ["ScraperSky:Workflows:wrok:Batch:Size"] = "3",
                ["ScraperSky:Workflows:work:WakeUp:ConnectionString"] = "Host=secret;Password=hunter2",
            });
            b.Configuration.AddStatusWorkflowEnvironmentVariables(env);
        });

        await host.StartAsync();
        await host.StopAsync();

        logs.Messages(2100).Should().ContainSingle().Which.Should()
            .Contain("Status workflow 'work' settings (environment prefix WORK):")
            .And.Contain("Schedule:JobId=work (default)")
            .And.Contain("Batch:Size=5 (environment WORK_SCHEDULER_BATCH_SIZE)")
            .And.Contain("Schedule:MaxInstances=2 (code)")
            .And.Contain("Schedule:Interval=00:00:30 (configuration ScraperSky:Workflows:work:Schedule:Interval)")
            .And.Contain("Retry:MaxAttempts=5 (default)")
            .And.NotContain("hunter2");
        logs.Messages(2101).Should().ContainSingle().Which.Should().Contain("FOO_SCHEDULER_BATCH_SIZE").And.Contain("WORK");
        logs.Messages(2102).Should().ContainSingle().Which.Should().Contain("WORK_SCHEDULER_BATCHSIZE").And.Contain("'work'");
        logs.Messages(2103).Should().ContainSingle().Which.Should().Contain("ScraperSky:Workflows:work:MaxBatchesPerRn").And.Contain("'work'").And.Contain("Batch:MaxPerRun");
        logs.Messages(2104).Should().ContainSingle().Which.Should().Contain("ScraperSky:Workflows:wrok").And.Contain("work");
    }

    [Fact]
    public async Task StartAsync_BadEnvironmentValue_FailsNamingTheVariable()
    {
        using var host = BuildHost<EnumWorkDb>(extra: b => b.Configuration.AddStatusWorkflowEnvironmentVariables(new Dictionary<string, string> { ["WORK_SCHEDULER_INTERVAL_SECONDS"] = "abc" }));

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*Status workflow 'work': WORK_SCHEDULER_INTERVAL_SECONDS=abc is not a whole number of seconds*");
    }

    [Fact]
    public async Task StartAsync_JobIdAlreadyUsedByAScheduledJob_FailsNamingBoth()
    {
        using var host = BuildHost<EnumWorkDb>(extra: b => b.Services.AddScheduledJob("work", _ => Task.FromResult(0), o => { }));

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("Job id 'work' of scheduled job 'work' is already used by status workflow 'work'; job ids must be unique*");
    }

    /// <summary>Graceful shutdown (issue 3): the item in hand finishes and gets its outcome; the batch's unstarted rows stay queued.</summary>
    [Fact]
    public async Task StopAsync_ItemInFlight_FinishesAndGetsItsOutcome_UnstartedRowsStayQueued()
    {
        await db.SeedAsync("enum_items", 5);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = BuildHost<EnumWorkDb>(script => script.Body = async (item, _, _) =>
        {
            if (item.Id == 2)
            {
                inside.SetResult();
                await release.Task;
            }

            return ItemResult.Completed;
        });
        var scheduler = host.Services.GetRequiredService<ScraperSky.Pipeline.Scheduling.JobScheduler>();
        await host.StartAsync();
        await inside.Task.WaitAsync(Ceiling);

        var stop = host.StopAsync();
        await scheduler.StopRequested.WaitAsync(Ceiling);
        release.SetResult();
        await stop.WaitAsync(Ceiling);

        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 2, ["Queued"] = 3 });
        host.Services.GetRequiredService<ProcessorScript>().Calls.Should().Equal(1, 2);
    }

    /// <summary>Graceful shutdown (issue 3): past the shutdown timeout the item in hand is abandoned, and it stays queued for the next start.</summary>
    [Fact]
    public async Task StopAsync_ShutdownTimeoutPasses_ItemInFlightIsAbandonedAndStaysQueued()
    {
        await db.SeedAsync("enum_items", 3);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = BuildHost<EnumWorkDb>(script => script.Body = async (item, _, abort) =>
        {
            if (item.Id == 2)
            {
                inside.SetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, abort);
            }

            return ItemResult.Completed;
        });
        var scheduler = host.Services.GetRequiredService<ScraperSky.Pipeline.Scheduling.JobScheduler>();
        await host.StartAsync();
        await inside.Task.WaitAsync(Ceiling);
        using var timeout = new CancellationTokenSource();

        var stop = host.StopAsync(timeout.Token);
        await scheduler.StopRequested.WaitAsync(Ceiling);
        await timeout.CancelAsync();
        await stop.WaitAsync(Ceiling);
        await scheduler.WhenIdle().WaitAsync(Ceiling);

        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 1, ["Queued"] = 2 });
        scheduler.GetJob("work")!.LastResult!.Outcome.Should().NotBe(JobRunOutcome.Failed);
    }

    private IHost BuildHost<TContext>(Action<ProcessorScript>? script = null, Action<StatusWorkflowOptions>? configure = null, Action<HostApplicationBuilder>? extra = null)
        where TContext : DbContext
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddDbContext<TContext>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<TContext>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(configure ?? (_ => { }));
        extra?.Invoke(builder);
        var host = builder.Build();
        script?.Invoke(host.Services.GetRequiredService<ProcessorScript>());
        return host;
    }

    public enum WrongLabel
    {
        Queued,
        Processing,
        Done,
        Error,
    }

    public sealed class WrongLabelItem
    {
        public long Id { get; set; }

        public WrongLabel Status { get; set; }
    }

    public sealed class WrongLabelDb(DbContextOptions<WrongLabelDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<WrongLabelItem>(e =>
            {
                e.ToTable("enum_items");
                e.Property(x => x.Id).HasColumnName("id");
                e.Property(x => x.Status).HasColumnName("status");
            });
    }

    public sealed class MissingTableDb(DbContextOptions<MissingTableDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<WorkItem>(e =>
            {
                e.ToTable("no_such_table");
                TestSchema.MapColumns(e);
            });
    }

    public sealed class CompleteEverything<TEntity> : IStatusItemProcessor<TEntity>
        where TEntity : class
    {
        public ValueTask<ItemResult> ProcessAsync(TEntity item, StatusItemContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(ItemResult.Completed);
    }
}
