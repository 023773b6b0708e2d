using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Hosting;

/// <summary>
/// Several status workflows run as one job (<c>AddStatusWorkflowGroup</c>, ScraperSky's <c>process_pending_jobs</c>),
/// against a real PostgreSQL: both drain in one run, counted per workflow; a failing member does not stop the other;
/// pausing the group's job stops both; and the registrations that cannot work fail naming the problem.
/// </summary>
public sealed class StatusWorkflowGroupTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private const string Group = "process_pending_jobs";
    private const string Sitemaps = "sitemap_jobs";
    private const string DeepScans = "deep_scans";
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Run_TwoMembers_BothDrainInRegistrationOrderCountedPerWorkflow()
    {
        await db.SeedAsync("enum_items", 3);
        await db.SeedAsync("lease_items", 2);
        var order = new List<string>();
        using var host = BuildHost(new FakeTimeProvider(), configureHost: s => s.AddSingleton<Action<string>>(w =>
        {
            lock (order)
            {
                order.Add(w);
            }
        }));
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();
        var results = new Signals<JobRunResult>();
        scheduler.JobExecuted += (_, r) => results.Post(r);

        await host.StartAsync();
        var result = await NextOfAsync(results, Group);
        await host.StopAsync();

        result.ItemsProcessed.Should().Be(5);
        result.ItemsByWorkflow.Should().BeEquivalentTo(new Dictionary<string, int> { [Sitemaps] = 3, [DeepScans] = 2 });
        order.Should().Equal(Sitemaps, Sitemaps, Sitemaps, DeepScans, DeepScans);
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 3 });
        (await db.Database.CountByStatusAsync("lease_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 2 });
        scheduler.GetJobs().Select(j => j.JobId).Should().BeEquivalentTo(Group, DeepScans + ":rescue");
        var jobs = host.Services.GetRequiredService<WorkflowJobs>();
        jobs.JobIdOf(Sitemaps).Should().Be(Group);
        jobs.JobIdOf(DeepScans).Should().Be(Group);
    }

    [Fact]
    public async Task Run_OneMemberFails_TheOtherStillDrainsAndTheRunFailsNamingTheMember()
    {
        using var host = BuildHost(new FakeTimeProvider());
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();
        var results = new Signals<JobRunResult>();
        scheduler.JobExecuted += (_, r) => results.Post(r);
        await host.StartAsync();
        await NextOfAsync(results, Group);
        await ((ScraperSky.Pipeline.Scheduling.JobScheduler)scheduler).WhenIdle();
        await db.SeedAsync("lease_items", 2);
        await db.Database.ExecuteAsync("ALTER TABLE enum_items RENAME TO enum_items_away");
        JobRunResult result;
        try
        {
            result = await scheduler.RunNowAsync(Group);
        }
        finally
        {
            await db.Database.ExecuteAsync("ALTER TABLE enum_items_away RENAME TO enum_items");
        }

        await host.StopAsync();
        result.Outcome.Should().Be(JobRunOutcome.Failed);
        result.Exception.Should().BeOfType<AggregateException>()
            .Which.Message.Should().StartWith($"Status workflow group '{Group}': 1 of 2 members failed: '{Sitemaps}'.");
        result.ItemsByWorkflow.Should().BeEquivalentTo(new Dictionary<string, int> { [DeepScans] = 2 });
        (await db.Database.CountByStatusAsync("lease_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 2 });
    }

    [Fact]
    public async Task Pause_GroupJob_NeitherMemberRunsUntilResumed()
    {
        var time = new FakeTimeProvider();
        using var host = BuildHost(time);
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();
        var results = new Signals<JobRunResult>();
        scheduler.JobExecuted += (_, r) => results.Post(r);
        await host.StartAsync();
        (await NextOfAsync(results, Group)).ItemsProcessed.Should().Be(0);

        scheduler.Pause(Group);
        await db.SeedAsync("enum_items", 2);
        await db.SeedAsync("lease_items", 2);
        time.Advance(2 * Hour);
        await ((ScraperSky.Pipeline.Scheduling.JobScheduler)scheduler).WhenIdle();

        scheduler.GetJob(Group)!.State.Should().Be(ScheduledJobState.Paused);
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Queued"] = 2 });
        (await db.Database.CountByStatusAsync("lease_items")).Should().Equal(new Dictionary<string, long> { ["Queued"] = 2 });

        scheduler.Resume(Group);
        (await NextOfAsync(results, Group)).ItemsByWorkflow.Should().BeEquivalentTo(new Dictionary<string, int> { [Sitemaps] = 2, [DeepScans] = 2 });
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_GroupScheduleFromEnvironment_GroupJobRunsOnTheCronAndMembersReportIt()
    {
        var env = new Dictionary<string, string>
        {
            ["PROCESS_PENDING_JOBS_SCHEDULER_CRON"] = "0 3 * * *",
            ["PROCESS_PENDING_JOBS_SCHEDULER_TIMEZONE"] = "Europe/Berlin",
        };
        using var host = BuildHost(new FakeTimeProvider(), configure: c => c.AddStatusWorkflowEnvironmentVariables(env), schedule: _ => { });

        await host.StartAsync();
        var job = host.Services.GetRequiredService<IJobScheduler>().GetJob(Group)!;
        var jobs = host.Services.GetRequiredService<WorkflowJobs>();
        var catalog = host.Services.GetRequiredService<IPipelineCatalog>().GetWorkflows();
        await host.StopAsync();

        job.Should().Match<ScheduledJobInfo>(j => j.Cron == "0 3 * * *" && j.TimeZone == "Europe/Berlin");
        jobs.CronOf(Sitemaps).Should().Be("0 3 * * *");
        jobs.CronOf(DeepScans).Should().Be("0 3 * * *");
        catalog.Select(w => (w.Name, w.JobId, w.Cron)).Should().BeEquivalentTo(new[] { (Sitemaps, Group, "0 3 * * *"), (DeepScans, Group, "0 3 * * *") });
    }

    [Fact]
    public async Task Start_PrefixSharedByGroupAndMembers_ScheduleVariablesSetTheGroupOthersTheMembers()
    {
        // ScraperSky's process_pending_jobs: one prefix, SITEMAP, for the job and both of its halves.
        var env = new Dictionary<string, string>
        {
            ["SITEMAP_SCHEDULER_INTERVAL_SECONDS"] = "120",
            ["SITEMAP_SCHEDULER_BATCH_SIZE"] = "7",
        };
        using var host = BuildHost(new FakeTimeProvider(), configure: c => c.AddStatusWorkflowEnvironmentVariables(env), sharedPrefix: "SITEMAP");

        await host.StartAsync();
        var job = host.Services.GetRequiredService<IJobScheduler>().GetJob(Group)!;
        var options = host.Services.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>();
        await host.StopAsync();

        job.Interval.Should().Be(TimeSpan.FromSeconds(120));
        options.Get(Sitemaps).Batch.Size.Should().Be(7);
        options.Get(DeepScans).Batch.Size.Should().Be(7);
    }

    [Fact]
    public async Task Start_GroupCronInEnvironmentAndIntervalInCode_FailsNamingBoth()
    {
        var env = new Dictionary<string, string> { ["PROCESS_PENDING_JOBS_SCHEDULER_CRON"] = "0 3 * * *" };
        using var host = BuildHost(new FakeTimeProvider(), configure: c => c.AddStatusWorkflowEnvironmentVariables(env));

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage(
            $"*Status workflow group '{Group}': PROCESS_PENDING_JOBS_SCHEDULER_CRON=0 3 * * * is invalid: Schedule:Cron and Schedule:Interval are both set; a job runs on one of them: set Schedule:Cron or Schedule:Interval, not both (Schedule:Interval is set by code).*");
    }

    [Fact]
    public async Task Start_BadGroupCronInEnvironment_FailsNamingTheVariable()
    {
        var env = new Dictionary<string, string> { ["PROCESS_PENDING_JOBS_SCHEDULER_CRON"] = "every day" };
        using var host = BuildHost(new FakeTimeProvider(), configure: c => c.AddStatusWorkflowEnvironmentVariables(env));

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage($"*Status workflow group '{Group}': PROCESS_PENDING_JOBS_SCHEDULER_CRON=every day is invalid: Schedule:Cron has 2 fields*");
    }

    [Fact]
    public async Task Start_UnknownMember_FailsNamingIt()
    {
        using var host = BuildHost(new FakeTimeProvider(), members: [Sitemaps, "deep_scan"]);

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage($"*Status workflow group '{Group}': member 'deep_scan' is not a registered status workflow (registered: '{Sitemaps}', '{DeepScans}')*");
    }

    [Fact]
    public async Task Start_MemberWithAScheduleOfItsOwn_FailsPointingAtTheGroup()
    {
        var env = new Dictionary<string, string> { ["DEEP_SCANS_SCHEDULER_INTERVAL_SECONDS"] = "30" };
        using var host = BuildHost(new FakeTimeProvider(), configure: c => c.AddStatusWorkflowEnvironmentVariables(env));

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage($"*Status workflow '{DeepScans}': Schedule:Interval is set (by DEEP_SCANS_SCHEDULER_INTERVAL_SECONDS), but the workflow runs in group '{Group}'*");
    }

    [Fact]
    public async Task Start_GroupWithAMemberSetting_FailsSayingItIsTheMembers()
    {
        using var host = BuildHost(new FakeTimeProvider(), configure: c => c.AddInMemoryCollection(new Dictionary<string, string?> { [$"ScraperSky:Workflows:{Group}:Batch:Size"] = "10" }));

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage($"*Status workflow group '{Group}': ScraperSky:Workflows:{Group}:Batch:Size sets Batch:Size, which each member workflow has for itself*");
    }

    [Fact]
    public async Task Start_GroupIdIsAJobId_FailsNamingBoth()
    {
        using var host = BuildHost(new FakeTimeProvider(), configureHost: s => s.AddScheduledJob(Group, _ => Task.FromResult(0), o => o.Interval = Hour));

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage($"Job id '{Group}' of *is already used by *; job ids must be unique on the host's scheduler.")
            .Which.Message.Should().Contain($"status workflow group '{Group}'");
    }

    [Fact]
    public async Task Start_GroupIdIsAWorkflowName_FailsNamingIt()
    {
        using var host = BuildHost(new FakeTimeProvider(), groupId: DeepScans, members: [Sitemaps]);

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage($"*Status workflow group '{DeepScans}': a status workflow has the same name*");
    }

    [Fact]
    public void AddStatusWorkflowGroup_WorkflowInTwoGroups_ThrowsNamingBoth()
    {
        var services = new ServiceCollection().AddStatusWorkflowGroup(Group, Sitemaps, DeepScans);

        var add = () => services.AddStatusWorkflowGroup("other_jobs", DeepScans);

        add.Should().Throw<InvalidOperationException>()
            .WithMessage($"Status workflow group 'other_jobs': workflow '{DeepScans}' is a member of group '{Group}' already; a workflow runs in one group at most.");
    }

    [Theory]
    [InlineData(new string[0], "*needs at least one member*")]
    [InlineData(new[] { "a", "a" }, "*names member 'a' twice*")]
    public void AddStatusWorkflowGroup_BadMemberList_Throws(string[] members, string message)
    {
        var add = () => new ServiceCollection().AddStatusWorkflowGroup(Group, members);

        add.Should().Throw<ArgumentException>().WithMessage(message);
    }

    private static async Task<JobRunResult> NextOfAsync(Signals<JobRunResult> results, string jobId)
    {
        while (true)
        {
            var result = await results.NextAsync();
            if (result.JobId == jobId)
            {
                return result;
            }
        }
    }

    private IHost BuildHost(
        FakeTimeProvider time,
        string groupId = Group,
        string[]? members = null,
        Action<IConfigurationBuilder>? configure = null,
        Action<IServiceCollection>? configureHost = null,
        Action<StatusWorkflowScheduleOptions>? schedule = null,
        string? sharedPrefix = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        configure?.Invoke(builder.Configuration);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddSingleton<LeaseScript>();
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddDbContext<LeaseWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        if (sharedPrefix is null)
        {
            builder.Services.AddStatusWorkflowGroup(groupId, members ?? [Sitemaps, DeepScans], schedule ?? (o => o.Interval = Hour));
        }
        else
        {
            builder.Services.AddStatusWorkflowGroup(groupId, members ?? [Sitemaps, DeepScans], sharedPrefix, schedule ?? (o => o.Interval = Hour));
        }

        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>(Sitemaps)
            .EnvironmentPrefix(sharedPrefix ?? "SITEMAP_JOBS")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>();
        builder.Services.AddStatusWorkflow<LeaseItem, JobStatus>(DeepScans)
            .EnvironmentPrefix(sharedPrefix ?? "DEEP_SCANS")
            .UseDbContext<LeaseWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
            .UseProcessor<LeaseProcessor>()
            .Configure(o => o.Mode = ClaimMode.Lease);
        configureHost?.Invoke(builder.Services);
        var host = builder.Build();
        if (host.Services.GetService<Action<string>>() is { } seen)
        {
            host.Services.GetRequiredService<ProcessorScript>().Body = (_, context, _) =>
            {
                seen(context.WorkflowName);
                return ValueTask.FromResult(ItemResult.Completed);
            };
            host.Services.GetRequiredService<LeaseScript>().Body = (_, context, _) =>
            {
                seen(context.WorkflowName);
                return ValueTask.FromResult(ItemResult.Completed);
            };
        }

        return host;
    }
}
