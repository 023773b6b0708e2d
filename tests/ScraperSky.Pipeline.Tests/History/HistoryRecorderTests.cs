using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ScraperSky.Pipeline.History;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.History;

/// <summary>The rollup on a real PostgreSQL: hosts adding to one minute, one statement per flush, the elected retention.</summary>
public sealed class HistoryRecorderTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 10, 0, 20, TimeSpan.Zero);

    [Fact]
    public async Task FlushAsync_TwoHostsWriteTheSameMinute_StoredCountsAreExactSums()
    {
        var schema = "history_two_hosts";
        var time = new FakeTimeProvider(Start);
        var hostA = Recorder(schema, time);
        var hostB = Recorder(schema, time);
        var a = hostA.Observe("w");
        var b = hostB.Observe("w");
        a.Outcomes(completed: 3, failed: 1, retried: 0);
        b.Outcomes(completed: 2, failed: 0, retried: 1);
        for (var i = 0; i < 3; i++)
        {
            a.Processed(TimeSpan.FromMilliseconds(5), "completed", null, i);
        }

        b.Processed(TimeSpan.FromMilliseconds(4000), "completed", null, 9);
        a.Waited(TimeSpan.FromSeconds(2));
        b.Waited(TimeSpan.FromSeconds(30));
        hostA.Observe("v").Outcomes(completed: 1, failed: 0, retried: 0);

        // Both hosts at once: the upserts race on the same (workflow, minute) row and must both land.
        var results = await Task.WhenAll(hostA.FlushAsync(), hostB.FlushAsync());

        (await db.ScalarAsync<string>($"SELECT string_agg(workflow || ' ' || to_char(minute AT TIME ZONE 'UTC', 'HH24:MI') || ' ' || completed || '/' || failed || '/' || retried, ', ' ORDER BY workflow) FROM {schema}.history_minutes"))
            .Should().Be("v 10:00 1/0/0, w 10:00 5/1/1");
        (await db.ScalarAsync<long>($"SELECT (SELECT sum(x) FROM unnest(processing_buckets) x) FROM {schema}.history_minutes WHERE workflow = 'w'")).Should().Be(4);
        (await db.ScalarAsync<double>($"SELECT processing_max_ms FROM {schema}.history_minutes WHERE workflow = 'w'")).Should().Be(4000);
        (await db.ScalarAsync<double>($"SELECT wait_max_ms FROM {schema}.history_minutes WHERE workflow = 'w'")).Should().Be(30000);

        // Host A wrote two workflows' minutes with one upsert statement in one round trip.
        results[0].Minutes.Should().Be(2);
        results[0].RoundTrips.Should().Be(1);

        var series = await History(schema).GetSeriesAsync("w", Start.AddSeconds(-20), Start.AddMinutes(5).AddSeconds(-20), TimeSpan.FromMinutes(1));
        series.Should().HaveCount(5);
        series[0].Should().BeEquivalentTo(new { Completed = 5L, Failed = 1L, Retried = 1L });
        series[0].Processing!.Count.Should().Be(4);
        series[0].Processing!.Max.Should().Be(TimeSpan.FromSeconds(4));
        HistoryBuckets.IndexOf(series[0].Processing!.P95.TotalMilliseconds).Should().Be(HistoryBuckets.IndexOf(4000));
        HistoryBuckets.IndexOf(series[0].Processing!.P50.TotalMilliseconds).Should().Be(HistoryBuckets.IndexOf(5));
        series[0].Wait!.Max.Should().Be(TimeSpan.FromSeconds(30));
        series.Skip(1).Should().OnlyContain(p => p.Completed == 0 && p.Processing == null);
    }

    [Fact]
    public async Task FlushAsync_LaterMinutesAndHosts_MergeIntoLongerSteps()
    {
        var schema = "history_steps";
        var time = new FakeTimeProvider(Start);
        var host = Recorder(schema, time);
        var other = Recorder(schema, time);
        host.Observe("w").Outcomes(completed: 4, failed: 0, retried: 0);
        await host.FlushAsync();
        time.Advance(TimeSpan.FromMinutes(3));
        host.Observe("w").Outcomes(completed: 6, failed: 2, retried: 0);
        other.Observe("w").Outcomes(completed: 1, failed: 0, retried: 0);
        await host.FlushAsync();
        await other.FlushAsync();
        time.Advance(TimeSpan.FromMinutes(10));
        other.Observe("w").Outcomes(completed: 100, failed: 0, retried: 0);
        await other.FlushAsync();

        var from = HistoryRecorder.MinuteOf(Start);
        var series = await History(schema).GetSeriesAsync("w", from, from.AddMinutes(15), TimeSpan.FromMinutes(5));

        series.Select(p => (p.Start, p.Completed, p.Failed)).Should().Equal((from, 11L, 2L), (from.AddMinutes(5), 0L, 0L), (from.AddMinutes(10), 100L, 0L));
        (await db.ScalarAsync<long>($"SELECT count(*) FROM {schema}.history_minutes")).Should().Be(3);
    }

    [Fact]
    public async Task FlushAsync_NothingCounted_SendsNoUpsert()
    {
        var schema = "history_idle";
        var host = Recorder(schema, new FakeTimeProvider(Start));
        host.Observe("w");

        var result = await host.FlushAsync();

        result.RoundTrips.Should().Be(0);
        result.Minutes.Should().Be(0);
        (await db.ScalarAsync<long>($"SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'")).Should().Be(0, "nothing to write, so not even the schema is created");
    }

    [Fact]
    public async Task Retention_DeletesOnlyOldRows_AndOnlyOnTheElectedHost()
    {
        var schema = "history_retention";
        var time = new FakeTimeProvider(Start);
        var host = Recorder(schema, time, o => o.Retention = TimeSpan.FromDays(14));
        host.Observe("w").Processed(TimeSpan.FromMilliseconds(3), "threw", "old failure 1", 1L);
        host.Observe("w").Outcomes(completed: 1, failed: 0, retried: 0);
        (await host.FlushAsync()).RetentionElected.Should().BeTrue();
        time.Advance(TimeSpan.FromDays(10));
        host.Observe("w").Outcomes(completed: 2, failed: 0, retried: 0);
        await host.FlushAsync();
        time.Advance(TimeSpan.FromDays(5));

        // Another host is applying the retention right now: this one is not elected and deletes nothing.
        var lockName = "scrapersky_pipeline history retention " + schema;
        await using (var otherHost = new NpgsqlConnection(db.ConnectionString))
        {
            await otherHost.OpenAsync();
            await using var transaction = await otherHost.BeginTransactionAsync();
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@name))", otherHost, transaction))
            {
                take.Parameters.AddWithValue("name", lockName);
                await take.ExecuteNonQueryAsync();
            }

            (await host.FlushAsync()).RetentionElected.Should().BeFalse();
            (await db.ScalarAsync<long>($"SELECT count(*) FROM {schema}.history_minutes")).Should().Be(2);
            await transaction.CommitAsync();
        }

        // Another host was deleting, so this one waits for its next hourly turn; then it is elected.
        (await host.FlushAsync()).RetentionElected.Should().BeNull();
        time.Advance(HistoryRecorder.RetentionInterval);
        (await host.FlushAsync()).RetentionElected.Should().BeTrue();
        (await db.ScalarAsync<string>($"SELECT string_agg(completed::text, ',') FROM {schema}.history_minutes")).Should().Be("2", "only the minute older than 14 days is deleted");
        (await db.ScalarAsync<long>($"SELECT count(*) FROM {schema}.history_errors")).Should().Be(0);

        // Within the hour it is not tried again.
        (await host.FlushAsync()).RetentionElected.Should().BeNull();
    }

    [Fact]
    public async Task ErrorGroups_FromTwoHosts_AddUpWithSampleKeysAndSeenTimes()
    {
        var schema = "history_errors";
        var time = new FakeTimeProvider(Start);
        var hostA = Recorder(schema, time);
        var hostB = Recorder(schema, time);
        hostA.Observe("w").Processed(TimeSpan.Zero, "threw", "timeout after 30 s fetching 'https://a.test/x'", 1L);
        time.Advance(TimeSpan.FromSeconds(5));
        hostB.Observe("w").Processed(TimeSpan.Zero, "timed_out", "timeout after 10 s fetching 'https://b.test/y'", 2L);
        hostB.Observe("w").Processed(TimeSpan.Zero, "failed", "parse error at line 7", 3L);
        hostB.Observe("v").Processed(TimeSpan.Zero, "failed", "parse error at line 8", 4L);
        await hostA.FlushAsync();
        await hostB.FlushAsync();

        var groups = await History(schema).GetErrorGroupsAsync("w", Start.AddMinutes(-1));
        var all = await History(schema).GetErrorGroupsAsync(null, Start.AddMinutes(-1));

        groups.Select(g => (g.Message, g.Count)).Should().Equal(("timeout after # s fetching '…'", 2L), ("parse error at line #", 1L));
        groups[0].SampleKeys.Should().BeEquivalentTo("1", "2");
        groups[0].FirstSeen.Should().Be(Start);
        groups[0].LastSeen.Should().Be(Start.AddSeconds(5));
        all.Should().HaveCount(3);
        (await History(schema).GetErrorGroupsAsync("w", Start.AddMinutes(1))).Should().BeEmpty("nothing failed since");
    }

    [Fact]
    public async Task GetSeriesAsync_BadArguments_AreRefusedWithTheReason()
    {
        var history = History("history_args");
        var act1 = () => history.GetSeriesAsync("w", Start, Start, TimeSpan.FromMinutes(1));
        var act2 = () => history.GetSeriesAsync("w", Start, Start.AddHours(1), TimeSpan.FromSeconds(90));
        var act3 = () => history.GetSeriesAsync("w", Start, Start.AddDays(30), TimeSpan.FromMinutes(1));

        await act1.Should().ThrowAsync<ArgumentException>().WithMessage("*'to'*after*");
        await act2.Should().ThrowAsync<ArgumentException>().WithMessage("*whole minutes*");
        await act3.Should().ThrowAsync<ArgumentException>().WithMessage("*43200 points*longer step*");
    }

    private HistoryRecorder Recorder(string schema, TimeProvider time, Action<PipelineHistoryOptions>? configure = null)
    {
        var options = new PipelineHistoryOptions { Schema = schema };
        configure?.Invoke(options);
        return new HistoryRecorder(Store(schema), options, time, NullLogger.Instance);
    }

    private PipelineHistory History(string schema) => new(Store(schema));

    private HistoryStore Store(string schema)
        => new(new HistorySql(schema), db.ConnectionString, contextType: null, new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>());
}
