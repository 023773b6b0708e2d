using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Cluster;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Cluster;

/// <summary>
/// The cluster services behind PgBouncer in transaction mode, with fewer server connections than the hosts open: the
/// schema's DDL, run keys, heartbeats and pause flags are all short transactions, so they work where session state does not.
/// </summary>
public sealed class ClusterPgBouncerTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private const string Job = "purge";
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private PgBouncer? _bouncer;

    public async Task InitializeAsync() => _bouncer = await PgBouncer.StartAsync(db.ConnectionString, serverConnections: 2);

    public async Task DisposeAsync()
    {
        if (_bouncer is not null)
        {
            await _bouncer.DisposeAsync();
        }
    }

    [Fact]
    public async Task OncePerCluster_TwoHostsBehindTransactionPooler_RunEachFireTimeOnce()
    {
        var schema = "bouncer_" + Guid.NewGuid().ToString("N")[..10];
        var time = new FakeTimeProvider(Start);
        var runs = new Signals<(string Host, DateTimeOffset Scheduled)>();
        void OncePerCluster(ScheduledJobOptions o)
        {
            o.Interval = Minute;
            o.OncePerCluster = true;
        }

        await using var a = await ClusterTestHost.StartWithJobAsync("a", _bouncer!.ConnectionString, schema, time, Job, runs, OncePerCluster);
        await using var b = await ClusterTestHost.StartWithJobAsync("b", _bouncer.ConnectionString, schema, time, Job, runs, OncePerCluster);
        for (var fire = 0; fire < 3; fire++)
        {
            var at = Start + fire * Minute;
            if (fire > 0)
            {
                time.Advance(Minute);
            }

            var results = await Task.WhenAll(a.NextResultAsync(Job, at), b.NextResultAsync(Job, at));
            results.Count(r => r.Outcome == JobRunOutcome.Succeeded).Should().Be(1, $"one host runs the fire time {at:O}");
            results.Count(r => r.Outcome == JobRunOutcome.Skipped).Should().Be(1);
        }

        runs.Count.Should().Be(3);
        await a.Cluster.PauseAsync("other");
        (await b.Cluster.GetPausedJobsAsync()).Should().Equal("other");
        await a.NextResultAsync(ClusterJobSource.HeartbeatJobId);
        await b.NextResultAsync(ClusterJobSource.HeartbeatJobId);
        (await b.Cluster.GetHostsAsync()).Should().HaveCount(2);
    }
}
