using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Cluster;
using ScraperSky.Pipeline.Scheduling;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Cluster;

/// <summary>
/// Several hosts in one process on one database and one fake clock: once-per-cluster jobs, cluster-wide pause and host
/// heartbeats, each test in a cluster schema of its own.
/// </summary>
public sealed class PipelineClusterTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Job = "purge";
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task OncePerCluster_ThreeHostsAndFourFireTimes_RunExactlyFourTimes()
    {
        var schema = NewSchema();
        var time = new FakeTimeProvider(Start);
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();
        var hosts = new List<ClusterTestHost>();
        try
        {
            foreach (var name in new[] { "a", "b", "c" })
            {
                hosts.Add(await ClusterTestHost.StartWithJobAsync(name, db.ConnectionString, schema, time, Job, runs, OncePerCluster));
            }

            for (var fire = 0; fire < 4; fire++)
            {
                var at = Start + fire * Minute;
                if (fire > 0)
                {
                    time.Advance(Minute);
                }

                // Every host decides about every fire time: one runs it, the others skip it with a reason.
                var results = await Task.WhenAll(hosts.Select(h => h.NextResultAsync(Job, at)));
                results.Should().OnlyContain(r => r.ScheduledTime == at);
                results.Count(r => r.Outcome == JobRunOutcome.Succeeded).Should().Be(1, $"one host runs the fire time {at:O}");
                results.Where(r => r.Outcome != JobRunOutcome.Succeeded).Should().OnlyContain(r => r.Outcome == JobRunOutcome.Skipped && r.SkipReason!.Contains("once per cluster"));
            }

            runs.Count.Should().Be(4);
            var ran = new List<DateTimeOffset>();
            while (runs.TryTake(out var run))
            {
                ran.Add(run.Scheduled);
            }

            ran.Should().Equal(Enumerable.Range(0, 4).Select(i => Start + i * Minute));
            (await db.ScalarAsync<long>($"SELECT count(*) FROM {schema}.run_keys WHERE job_id = '{Job}'")).Should().Be(4);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RunNowAsync_OncePerClusterJobWhoseFireTimeAnotherHostRan_RunsAnyway()
    {
        var schema = NewSchema();
        var time = new FakeTimeProvider(Start);
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();
        await using var a = await ClusterTestHost.StartWithJobAsync("a", db.ConnectionString, schema, time, Job, runs, OncePerCluster);
        await using var b = await ClusterTestHost.StartWithJobAsync("b", db.ConnectionString, schema, time, Job, runs, OncePerCluster);
        await a.NextResultAsync(Job);
        await b.NextResultAsync(Job);

        var manual = await b.Scheduler.RunNowAsync(Job);
        var again = await a.Scheduler.RunNowAsync(Job);

        manual.Outcome.Should().Be(JobRunOutcome.Succeeded);
        again.Outcome.Should().Be(JobRunOutcome.Succeeded);
        runs.Count.Should().Be(3, "the scheduled run once, and each manual run");
    }

    [Fact]
    public async Task Start_HostsStartingAtDifferentTimesWithinAnInterval_ShareTheEpochGrid()
    {
        var schema = NewSchema();
        var time = new FakeTimeProvider(Start + TimeSpan.FromSeconds(20));
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();
        await using var a = await ClusterTestHost.StartWithJobAsync("a", db.ConnectionString, schema, time, Job, runs, OncePerCluster);
        var first = await a.NextResultAsync(Job);
        time.Advance(TimeSpan.FromSeconds(25));
        await using var b = await ClusterTestHost.StartWithJobAsync("b", db.ConnectionString, schema, time, Job, runs, OncePerCluster);
        var second = await b.NextResultAsync(Job);

        first.Outcome.Should().Be(JobRunOutcome.Succeeded);
        first.ScheduledTime.Should().Be(Start, "the run of the interval the host started in, on the grid anchored at the Unix epoch");
        second.Outcome.Should().Be(JobRunOutcome.Skipped, "host a ran that interval's fire time already");
        second.ScheduledTime.Should().Be(Start);
        b.Scheduler.GetJob(Job)!.NextRunTime.Should().Be(Start + Minute);
    }

    [Fact]
    public async Task PauseAsync_OnHostA_StopsStartsOnHostBWithinOnePauseCheck_AndResumeAsyncLiftsIt()
    {
        var schema = NewSchema();
        var time = new FakeTimeProvider(Start);
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();
        await using var a = await ClusterTestHost.StartWithJobAsync("a", db.ConnectionString, schema, time, Job, runs, o => o.Interval = Minute);
        await using var b = await ClusterTestHost.StartWithJobAsync("b", db.ConnectionString, schema, time, Job, runs, o => o.Interval = Minute);
        await a.NextResultAsync(Job);
        await b.NextResultAsync(Job);
        await b.NextResultAsync(ClusterJobSource.PauseCheckJobId);

        await a.Cluster.PauseAsync(Job);

        a.Scheduler.GetJob(Job)!.State.Should().Be(ScheduledJobState.Paused, "the host that asked pauses at once");
        (await b.Cluster.GetPausedJobsAsync()).Should().Equal(Job);
        var check = Start + PipelineClusterOptions.DefaultPauseCheckInterval;
        time.Advance(PipelineClusterOptions.DefaultPauseCheckInterval);
        await b.NextResultAsync(ClusterJobSource.PauseCheckJobId, check);
        b.Scheduler.GetJob(Job)!.State.Should().Be(ScheduledJobState.Paused, "host b read the flag at its next pause check");

        var ranBefore = runs.Count;
        time.Advance(Minute);
        await a.NextResultAsync(ClusterJobSource.PauseCheckJobId, check + Minute);
        await b.NextResultAsync(ClusterJobSource.PauseCheckJobId, check + Minute);
        await a.Host.Services.GetRequiredService<JobScheduler>().WhenIdle();
        await b.Host.Services.GetRequiredService<JobScheduler>().WhenIdle();
        runs.Count.Should().Be(ranBefore, "no host starts a paused job's run");

        await a.Cluster.ResumeAsync(Job);
        time.Advance(PipelineClusterOptions.DefaultPauseCheckInterval);
        await b.NextResultAsync(ClusterJobSource.PauseCheckJobId, check + Minute + PipelineClusterOptions.DefaultPauseCheckInterval);
        a.Scheduler.GetJob(Job)!.State.Should().NotBe(ScheduledJobState.Paused);
        b.Scheduler.GetJob(Job)!.State.Should().NotBe(ScheduledJobState.Paused);
        (await a.Cluster.GetPausedJobsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task PauseAsync_BeforeAHostStarts_TheHostStartsWithTheJobPaused()
    {
        var schema = NewSchema();
        var time = new FakeTimeProvider(Start);
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();
        await using var a = await ClusterTestHost.StartWithJobAsync("a", db.ConnectionString, schema, time, "other", runs, o => o.Interval = Minute);
        await a.Cluster.PauseAsync(Job);
        await using var b = await ClusterTestHost.StartWithJobAsync("b", db.ConnectionString, schema, time, Job, runs, o => o.Interval = Minute);

        b.Scheduler.GetJob(Job)!.State.Should().Be(ScheduledJobState.Paused);
        await b.NextResultAsync(ClusterJobSource.HeartbeatJobId);
        runs.TryTake(out var run).Should().BeTrue();
        run.Host.Should().Be("a", "only host a's other job ran");
        runs.TryTake(out _).Should().BeFalse();
    }

    [Fact]
    public async Task GetHostsAsync_TwoHosts_ListsBoth_AndAStoppedHostDisappears()
    {
        var schema = NewSchema();
        var time = new FakeTimeProvider(Start);
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();
        await using var a = await ClusterTestHost.StartWithJobAsync("a", db.ConnectionString, schema, time, "job-a", runs, o => o.Interval = Minute);
        await using var b = await ClusterTestHost.StartWithJobAsync("b", db.ConnectionString, schema, time, "job-b", runs, o => o.Interval = Minute);
        await a.NextResultAsync(ClusterJobSource.HeartbeatJobId);
        await b.NextResultAsync(ClusterJobSource.HeartbeatJobId);

        var hosts = await a.Cluster.GetHostsAsync();

        hosts.Select(h => h.HostId).Should().BeEquivalentTo([a.HostId, b.HostId]);
        hosts.Should().OnlyContain(h => h.IsAlive && h.MachineName == Environment.MachineName && h.Version.Length > 0);
        hosts.Single(h => h.HostId == a.HostId).JobIds.Should().Equal("job-a");
        hosts.Single(h => h.HostId == b.HostId).JobIds.Should().Equal("job-b");

        await b.StopAsync();

        (await a.Cluster.GetHostsAsync()).Select(h => h.HostId).Should().Equal(a.HostId);
    }

    [Fact]
    public async Task GetHostsAsync_HostWithoutHeartbeatForThreeIntervals_IsNotAlive()
    {
        var schema = NewSchema();
        var time = new FakeTimeProvider(Start);
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();
        await using var a = await ClusterTestHost.StartWithJobAsync("a", db.ConnectionString, schema, time, "job-a", runs, o => o.Interval = Minute);
        await a.NextResultAsync(ClusterJobSource.HeartbeatJobId);

        // A host that crashed: its row stays, its heartbeats stop.
        await db.ExecuteAsync($"INSERT INTO {schema}.hosts SELECT 'crashed', machine_name, version, started_at, last_seen_at, heartbeat_interval, job_ids FROM {schema}.hosts WHERE host_id = '{a.HostId}'");
        (await a.Cluster.GetHostsAsync()).Should().OnlyContain(h => h.IsAlive);
        var later = Start + 3 * PipelineClusterOptions.DefaultHeartbeatInterval + TimeSpan.FromSeconds(1);
        time.Advance(later - Start);
        await a.NextResultAsync(ClusterJobSource.HeartbeatJobId, later - PipelineClusterOptions.DefaultHeartbeatInterval);

        var hosts = await a.Cluster.GetHostsAsync();

        hosts.Select(h => (h.HostId, h.IsAlive)).Should().Equal((a.HostId, true), ("crashed", false));
    }

    [Fact]
    public async Task Start_ApplySchemaOffAndNoSchema_FailsNamingTheScript()
    {
        var schema = NewSchema();
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();

        var start = () => ClusterTestHost.StartWithJobAsync("a", db.ConnectionString, schema, new FakeTimeProvider(Start), Job, runs, OncePerCluster, o => o.ApplySchema = false);

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain(schema).And.Contain("ClusterSchema()");
    }

    [Fact]
    public async Task ClusterSchema_RunTwiceFromAMigration_ThenAHostWithApplySchemaOffStarts()
    {
        var schema = NewSchema();
        var time = new FakeTimeProvider(Start);
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();
        await using var a = ClusterTestHost.Create("a", db.ConnectionString, schema, time, _ => { }, o => o.ApplySchema = false);
        var script = a.Host.Services.GetRequiredService<StatusWorkflowScripts>().ClusterSchema();
        script.Name.Should().Be(schema);
        script.RequiresNoTransaction.Should().BeFalse();
        await db.ExecuteAsync(script.Sql);
        await db.ExecuteAsync(script.Sql);

        await a.Host.StartAsync();
        await a.NextResultAsync(ClusterJobSource.HeartbeatJobId);

        (await db.ScalarAsync<int>($"SELECT version FROM {schema}.schema_version")).Should().Be(1);
        (await a.Cluster.GetHostsAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task Start_OncePerClusterWithoutAddPipelineCluster_FailsNamingTheCall()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddScheduledJob(Job, _ => Task.FromResult(0), OncePerCluster);
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("OncePerCluster").And.Contain("AddPipelineCluster");
    }

    [Fact]
    public void AddPipelineCluster_HeartbeatIntervalZero_ThrowsNamingTheSetting()
    {
        var services = new ServiceCollection();

        var add = () => services.AddPipelineCluster(o => o.HeartbeatInterval = TimeSpan.Zero);

        add.Should().Throw<ArgumentException>().WithMessage("Pipeline cluster: HeartbeatInterval must be at least one second*");
    }

    private static void OncePerCluster(ScheduledJobOptions o)
    {
        o.Interval = Minute;
        o.OncePerCluster = true;
    }

    private static string NewSchema() => "cluster_" + Guid.NewGuid().ToString("N")[..10];
}
