using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScraperSky.Pipeline.Benchmarks.Reporting;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Idle;

/// <summary>
/// Section 5, idle cost: a real host with one workflow and nothing queued, polling at a short interval; what it sends
/// to the database over a fixed window, counted by pg_stat_statements (every statement, BEGIN and COMMIT included).
/// </summary>
internal sealed class IdleCostBenchmark(BenchProfile profile, ResultSet results, string connectionString, StatementStats? stats)
{
    public const string Section = "idle";
    public const string ClaimsPerIntervalMetric = "claims/interval";

    public async Task RunAsync(CancellationToken ct)
    {
        const string system = "library, 1 workflow";
        if (stats is null)
        {
            results.Add(new ResultRow(Section, system, "statements/s", null, Note: "n/a (the server does not preload pg_stat_statements)"));
            return;
        }

        await QueueTable.RefillAsync(connectionString, queued: 0, history: 10_000, ct);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddDbContext<BenchDb>(o => BenchDb.Configure(o, connectionString));
        LibraryWorker.AddWorkflow<NoopProcessor>(builder.Services, o => o.Schedule.Interval = profile.IdleInterval);
        using var host = builder.Build();

        // Runs of the workflow's job, as the scheduler reports them: the window opens and closes half an interval after
        // a run, so that it holds whole intervals and no run is cut in two by its edges.
        var runs = System.Threading.Channels.Channel.CreateUnbounded<DateTimeOffset>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        host.Services.GetRequiredService<IJobScheduler>().JobExecuted += (_, run) => runs.Writer.TryWrite(DateTimeOffset.UtcNow);
        await host.StartAsync(ct);

        // Waits for the next run to finish, then half an interval, then reads the counters (the stopwatch's middle of
        // the read is the window's edge).
        async Task<(StatementStats.Snapshot Stats, TimeSpan At)> SnapshotAfterARunAsync()
        {
            while (runs.Reader.TryRead(out _))
            {
            }

            await runs.Reader.ReadAsync(ct);
            await Task.Delay(profile.IdleInterval / 2, ct);
            var start = clock.Elapsed;
            var taken = await stats!.TakeAsync(ct);
            return (taken, (start + clock.Elapsed) / 2);
        }

        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var before = await SnapshotAfterARunAsync();
            await Task.Delay(profile.IdleWindow, ct);
            var after = await SnapshotAfterARunAsync();
            var statements = after.Stats.Since(before.Stats);

            var seconds = (after.At - before.At).TotalSeconds;
            // Both edges sit half an interval after a run, so the window holds a whole number of intervals; rounding
            // removes the few milliseconds by which one run took longer than another.
            var intervals = Math.Round((after.At - before.At) / profile.IdleInterval);
            var claims = statements.Where(s => s.Query.Contains("SKIP LOCKED", StringComparison.Ordinal)).Sum(s => s.Counters.Calls);
            var all = statements.Sum(s => s.Counters.Calls);
            var breakdown = string.Join(", ", statements.Select(s => $"{s.Counters.Calls / intervals:0.##}× {FirstWords(s.Query)}"));
            var note = $"interval {profile.IdleInterval.TotalMilliseconds:0} ms, window {seconds:0} s; per interval: {breakdown}";
            results.Add(new ResultRow(Section, system, "statements/s", all / seconds, Seconds: seconds, Note: note));
            results.Add(new ResultRow(Section, system, "statements/interval", all / intervals, Seconds: seconds, Note: note));
            results.Add(new ResultRow(Section, system, ClaimsPerIntervalMetric, claims / intervals, Seconds: seconds, Note: note));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static string FirstWords(string query)
    {
        var words = query.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.Take(words.Length > 0 && words[0].Equals("SELECT", StringComparison.OrdinalIgnoreCase) ? 2 : 1));
    }
}
