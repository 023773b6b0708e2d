using System.Diagnostics;
using ScraperSky.Pipeline.Benchmarks.Reporting;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>
/// Section 1, drain throughput: items per second from the start of the workers to the last outcome written, counting
/// rows that reached a final state (not transactions), on a table rebuilt before each measurement. Also the
/// ablation at the headline batch size that shows where the library spends its time compared with raw SQL.
/// </summary>
internal sealed class DrainBenchmark(BenchProfile profile, ResultSet results, string connectionString, string hangfireConnectionString, StatementStats? stats)
{
    public const string Section = "drain";
    public const string ProfileSection = "profile";
    public const string StatementsSection = "statements";
    public const string AllocationSection = "allocations";

    /// <summary>Every system of the comparison; the library's modes first.</summary>
    public static IReadOnlyList<IDrainSystem> Systems { get; } =
    [
        new LibraryAtomicDrain(),
        new LibraryLeaseDrain(),
        new RawSqlAtomicDrain(RawVariant.Prepared),
        new RawSqlLeaseDrain(),
        new HangfireDrain(),
    ];

    public async Task RunAsync(CancellationToken ct)
    {
        await WarmUpAsync(ct);

        foreach (var (batchSize, workers) in profile.DrainCombinations)
        {
            foreach (var system in Systems.Where(s => s.UsesQueueTable))
            {
                await MeasureAsync(Section, system, batchSize, workers, profile.DrainItems(batchSize), ct);
            }
        }

        var hangfire = Systems.Single(s => s.Pattern == DrainPattern.JobQueue);
        foreach (var workers in profile.HangfireWorkers)
        {
            await MeasureAsync(Section, hangfire, batchSize: null, workers, profile.HangfireJobs, ct);
        }

        await ProfileAsync(ct);
    }

    /// <summary>
    /// The ablation: from the raw-SQL limit one step at a time towards what the library does (statements not prepared,
    /// a pooled connection per batch), with the statements each sends per batch and the bytes each allocates per item.
    /// </summary>
    private async Task ProfileAsync(CancellationToken ct)
    {
        const int batchSize = BenchProfile.HeadlineBatchSize;
        IDrainSystem[] ladder =
        [
            new RawSqlAtomicDrain(RawVariant.Prepared),
            new RawSqlAtomicDrain(RawVariant.Unprepared),
            new RawSqlAtomicDrain(RawVariant.UnpreparedConnectionPerBatch),
            new LibraryAtomicDrain(),
        ];
        foreach (var workers in profile.ProfileWorkers)
        {
            foreach (var system in ladder)
            {
                var measured = await MeasureAsync(ProfileSection, system, batchSize, workers, profile.DrainItems(batchSize), ct, capture: workers == profile.ProfileWorkers[0]);
                if (measured is not { } m || workers != profile.ProfileWorkers[0])
                {
                    continue;
                }

                results.Add(new ResultRow(AllocationSection, system.Name, "B/item (end to end, whole process)", m.AllocatedBytes / (double)m.Finished, batchSize, workers, m.Finished,
                    Note: "everything the process allocated during the drain (Npgsql, EF Core, library), per item"));
                var batches = Math.Max(1.0, m.Finished / (double)batchSize);
                foreach (var (query, counters) in m.Statements ?? [])
                {
                    results.Add(new ResultRow(StatementsSection, system.Name, "calls/batch", counters.Calls / batches, batchSize, workers, Seconds: counters.TotalMs / 1000.0,
                        Note: $"{counters.TotalMs / batches:0.000} ms/batch in the server: {Shorten(query)}"));
                }
            }
        }
    }

    /// <summary>Runs each system once, small and unrecorded, so JIT, pools and EF Core's caches are warm before anything is timed.</summary>
    private async Task WarmUpAsync(CancellationToken ct)
    {
        Console.WriteLine("  [drain] warming up every system (not recorded)");
        foreach (var system in Systems.Where(s => s.Unavailable is null))
        {
            var items = system.UsesQueueTable ? 5_000 : 200;
            await MeasureAsync(section: null, system, batchSize: 10, workers: 2, items, ct);
        }
    }

    private async Task<Measurement?> MeasureAsync(string? section, IDrainSystem system, int? batchSize, int workers, long items, CancellationToken ct, bool capture = false)
    {
        if (system.Unavailable is { } why)
        {
            if (section is not null)
            {
                results.Add(new ResultRow(section, system.Name, "items/s", null, batchSize, workers, Note: why));
            }

            return null;
        }

        var history = Math.Max(10_000, items / 10);
        if (system.UsesQueueTable)
        {
            await QueueTable.RefillAsync(connectionString, items, history, ct);
        }

        var setup = new DrainSetup(connectionString, hangfireConnectionString, batchSize ?? 1, workers, items, system.UsesQueueTable ? history : 0);
        await using var run = await system.PrepareAsync(setup, ct);

        var before = capture && stats is not null ? await stats.TakeAsync(ct) : null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(profile.DrainTimeout);
        var timedOut = false;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        try
        {
            await run.RunAsync(timeout.Token);
        }
        catch (Exception) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            timedOut = true;
        }

        clock.Stop();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var after = before is not null ? await stats!.TakeAsync(ct) : null;
        var finished = await run.CountFinishedAsync(ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var note = timedOut ? $"timed out after {profile.DrainTimeout.TotalSeconds:0} s: {finished} of {items} finished"
            : finished != items ? $"{finished} of {items} finished"
            : string.Empty;
        if (section is not null)
        {
            results.Add(new ResultRow(section, system.Name, "items/s", finished / seconds, batchSize, workers, finished, seconds, note));
        }

        return new Measurement(finished, seconds, allocated, after?.Since(before!));
    }

    private static string Shorten(string query)
    {
        var flat = string.Join(' ', query.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 90 ? flat : flat[..87] + "...";
    }

    private sealed record Measurement(long Finished, double Seconds, long AllocatedBytes, IReadOnlyList<(string Query, StatementStats.StatementCounters Counters)>? Statements);
}
