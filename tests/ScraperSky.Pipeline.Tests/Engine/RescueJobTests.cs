using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Engine;

/// <summary>
/// Issue 11 (finished work is never thrown away): the lease rescuer is a scheduled job of its own per lease-mode
/// workflow ("{jobId}:rescue", every Lease:Duration/4 within 1 s … 1 min), elected per workflow, so an expired lease is
/// returned to the queue — and processed — without waiting for the workflow's own interval. Two workflows share
/// <c>lease_items</c>, split by tenant.
/// </summary>
public sealed class RescueJobTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Issue 11: each lease-mode workflow has its own rescue job, named after its job id, at a quarter of its lease.</summary>
    [Fact]
    public async Task LeaseWorkflows_EachHaveARescueJobNamedAfterTheirJobId()
    {
        await using var host = LeaseHost.Create(db.ConnectionString, new LeaseScript(), services => services
            .AddLeaseWorkflow("tenant_a", o => o.Lease.Duration = TimeSpan.FromSeconds(8), w => w.Where(x => x.Tenant == "a"))
            .AddLeaseWorkflow("tenant_b", o => o.Schedule.JobId = "jobs_b", w => w.Where(x => x.Tenant == "b")));
        await host.StartAsync();

        var jobs = host.Scheduler.GetJobs().ToDictionary(j => j.JobId, j => j.Interval);

        jobs.Should().ContainKey("tenant_a:rescue").WhoseValue.Should().Be(TimeSpan.FromSeconds(2), "a quarter of the 8 s lease");
        jobs.Should().ContainKey("jobs_b:rescue").WhoseValue.Should().Be(TimeSpan.FromMinutes(1), "a quarter of the 5 min default lease, at most a minute");
        jobs.Should().ContainKeys("tenant_a", "jobs_b");
    }

    /// <summary>
    /// Issue 11: leases left behind by a host that is gone, on rows of two workflows over one table, are rescued by each
    /// workflow's rescue job and the rows processed at once, although the workflows poll only hourly and their first
    /// runs are over.
    /// </summary>
    [Fact]
    public async Task ExpiredLeasesOfTwoWorkflowsOnOneTable_AreRescuedAndProcessedWithoutWaitingForTheInterval()
    {
        var script = new LeaseScript();
        await using var host = LeaseHost.Create(db.ConnectionString, script, services => services
            .AddLeaseWorkflow("tenant_a", o => o.Lease.Duration = TimeSpan.FromSeconds(4), w => w.Where(x => x.Tenant == "a"))
            .AddLeaseWorkflow("tenant_b", o => { o.Lease.Duration = TimeSpan.FromSeconds(4); o.Schedule.JobId = "jobs_b"; }, w => w.Where(x => x.Tenant == "b")));
        var firstRuns = new Dictionary<string, TaskCompletionSource>
        {
            ["tenant_a"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            ["jobs_b"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        host.Scheduler.JobExecuted += (_, result) =>
        {
            if (firstRuns.TryGetValue(result.JobId, out var ended))
            {
                ended.TrySetResult();
            }
        };
        await host.StartAsync();
        await Task.WhenAll(firstRuns.Values.Select(r => r.Task)).WaitAsync(Ceiling);

        await db.Database.ExecuteAsync("""
            INSERT INTO lease_items (payload, tenant, status, lease_expires_at, claimed_by, attempts)
            VALUES ('left by a', 'a', 'Processing', now() - interval '1 minute', 'gone', 1),
                   ('left by b', 'b', 'Processing', now() - interval '1 minute', 'gone', 1)
            """);

        (await Polling.UntilAsync(async () => await LeaseItems.CountAsync(db, "Completed") == 2))
            .Should().BeTrue("both expired leases are rescued and processed before the hourly poll; rows: {0}", await LeaseItems.DescribeAsync(db));
        script.Calls.Order().Should().Equal(1, 2);
    }
}
