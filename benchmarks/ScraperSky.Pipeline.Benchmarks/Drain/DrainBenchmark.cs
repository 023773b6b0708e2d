using System.Diagnostics;
using ScraperSky.Pipeline.Benchmarks.Reporting;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>
/// Section 1, drain throughput: items per second from the start of the workers to the last outcome written, counting
/// rows that reached a final state (not transactions), on a table rebuilt before each measurement. Also the ablation
/// at the headline batch size that shows where the library spends its time compared with raw SQL.
/// </summary>
/// <remarks>
/// Commit latency on this kind of virtual disk swings between 0.2 and 2.5 ms from one second to the next, and every
/// figure here is bound by it. So each cell is measured several times, the systems of one cell back to back in a
/// rotating order, and the best run is reported (as the reference figures are best-of); every run is in the CSV.
/// Client CPU per item (process CPU time over the drain, divided by items) does not depend on the disk and is the
/// steadier measure of what the library adds.
/// </remarks>
internal sealed class DrainBenchmark(BenchProfile profile, ResultSet results, string connectionString, string hangfireConnectionString, StatementStats? stats)
{
    public const string Section = "drain";
    public const string RunsSection = "drain-runs";
    public const string ProfileSection = "profile";
    public const string StatementsSection = "statements";
    public const string AllocationSection = "allocations";

    /// <summary>The largest batch size of the matrix, whose statements the server's statistics are also taken for.</summary>
    private const int LargestBatch = 1000;

    /// <summary>Every system of the comparison; the library's modes first.</summary>
    public static IReadOnlyList<IDrainSystem> Systems { get; } =
    [
        new LibraryAtomicDrain(),
        new LibraryLeaseDrain(),
        new RawSqlAtomicDrain(RawVariant.Prepared),
        new RawSqlLeaseDrain(),
        new HangfireDrain(),
    ];

    /// <summary>From the raw-SQL limit one step at a time towards what the library does.</summary>
    private static readonly IDrainSystem[] Ladder =
    [
        new RawSqlAtomicDrain(RawVariant.Prepared),
        new RawSqlAtomicDrain(RawVariant.Unprepared),
        new RawSqlAtomicDrain(RawVariant.UnpreparedConnectionPerBatch),
        new LibraryAtomicDrain(prepared: false),
        new LibraryAtomicDrain(),
    ];

    public async Task RunAsync(CancellationToken ct)
    {
        await WarmUpAsync(ct);

        var cells = new List<Cell>();
        foreach (var (batchSize, workers) in profile.DrainCombinations)
        {
            // The headline's ratios come from batch 100 and batch 1000: both get the headline's repetitions.
            var repetitions = batchSize is BenchProfile.HeadlineBatchSize or LargestBatch ? profile.DrainRepetitions : profile.OtherRepetitions;
            cells.Add(new Cell(Section, [.. Systems.Where(s => s.UsesQueueTable && Selected(s))], batchSize, workers, repetitions));
        }

        foreach (var workers in profile.ProfileWorkers)
        {
            cells.Add(new Cell(ProfileSection, [.. Ladder.Where(Selected)], BenchProfile.HeadlineBatchSize, workers, profile.OtherRepetitions));
        }

        cells.RemoveAll(c => c.Systems.Count == 0);
        var runs = new Dictionary<(string Section, string System, int Batch, int Workers), List<Measurement>>();
        for (var repetition = 0; repetition < cells.Select(c => c.Repetitions).DefaultIfEmpty().Max(); repetition++)
        {
            foreach (var cell in cells.Where(c => repetition < c.Repetitions))
            {
                for (var k = 0; k < cell.Systems.Count; k++)
                {
                    var system = cell.Systems[(k + repetition) % cell.Systems.Count];
                    // The server's side of the ablation and of the largest batches, where the library and raw SQL
                    // send the same statements and any difference is in how they are sent.
                    var capture = (cell.Section == ProfileSection && cell.Workers == profile.ProfileWorkers[0]) || cell.BatchSize == LargestBatch;
                    var measured = await MeasureAsync(system, cell.BatchSize, cell.Workers, profile.DrainItems(cell.BatchSize), capture, ct);
                    var key = (cell.Section, system.Name, cell.BatchSize, cell.Workers);
                    if (!runs.TryGetValue(key, out var list))
                    {
                        runs[key] = list = [];
                    }

                    list.Add(measured);
                    if (measured.Unavailable is null)
                    {
                        results.Add(new ResultRow(RunsSection, system.Name, "items/s", measured.Rate, cell.BatchSize, cell.Workers, measured.Finished, measured.Seconds,
                            $"repetition {repetition + 1}; client CPU {measured.CpuMicrosPerItem:0.0} µs/item{(measured.Note.Length > 0 ? "; " + measured.Note : string.Empty)}"));
                    }
                }
            }
        }

        foreach (var ((section, system, batch, workers), list) in runs)
        {
            Report(section, system, batch, workers, list);
        }

        // Hangfire runs once per worker count: at a few hundred jobs per second, repeating it would cost minutes and
        // not move a ratio measured in hundreds.
        var hangfire = Systems.Single(s => s.Pattern == DrainPattern.JobQueue);
        foreach (var workers in Selected(hangfire) ? profile.HangfireWorkers : [])
        {
            var measured = await MeasureAsync(hangfire, batchSize: 1, workers, profile.HangfireJobs, capture: false, ct);
            results.Add(new ResultRow(Section, hangfire.Name, "items/s", measured.Rate, null, workers, measured.Finished, measured.Seconds,
                $"client CPU {measured.CpuMicrosPerItem:0} µs/job{(measured.Note.Length > 0 ? "; " + measured.Note : string.Empty)}"));
        }
    }

    private bool Selected(IDrainSystem system) => profile.DrainSystems is not { } names || names.Contains(system.Name);

    private void Report(string section, string system, int batch, int workers, List<Measurement> runs)
    {
        if (runs[0].Unavailable is { } why)
        {
            results.Add(new ResultRow(section, system, "items/s", null, batch, workers, Note: why));
            return;
        }

        var best = runs.MaxBy(r => r.Rate)!;
        var all = string.Join(", ", runs.Select(r => ResultSet.Format(r.Rate)));
        var note = (runs.Count > 1 ? $"best of {runs.Count}: {all}" : string.Empty) + (best.Note.Length > 0 ? "; " + best.Note : string.Empty);
        results.Add(new ResultRow(section, system, "items/s", best.Rate, batch, workers, best.Finished, best.Seconds, note.TrimStart(';', ' ')));
        if (section != ProfileSection && batch != LargestBatch)
        {
            return;
        }

        if (section == ProfileSection)
        {
            // The ablation's steadier measures: client CPU (median over the runs) and, once, what the server saw.
            var cpu = runs.Select(r => r.CpuMicrosPerItem).Order().ElementAt(runs.Count / 2);
            results.Add(new ResultRow(section, system, "client CPU µs/item", cpu, batch, workers));
            results.Add(new ResultRow(section, system, "client alloc B/item", runs[^1].AllocatedBytes / (double)runs[^1].Finished, batch, workers));
        }

        var statements = runs.LastOrDefault(r => r.Statements is not null)?.Statements;
        if (statements is null)
        {
            return;
        }

        var batches = Math.Max(1.0, runs[^1].Finished / (double)batch);
        if (section == ProfileSection)
        {
            results.Add(new ResultRow(section, system, "server ms/batch", statements.Sum(s => s.Counters.TotalMs) / batches, batch, workers));
            results.Add(new ResultRow(section, system, "statements/batch", statements.Sum(s => s.Counters.Calls) / batches, batch, workers));
        }

        foreach (var (query, counters) in statements)
        {
            results.Add(new ResultRow(StatementsSection, system, "calls/batch", counters.Calls / batches, batch, workers, Seconds: counters.TotalMs / 1000.0,
                Note: $"{counters.TotalMs / batches:0.000} ms/batch in the server: {Shorten(query)}"));
        }
    }

    /// <summary>Runs each system once, small and unrecorded, so JIT, pools and EF Core's caches are warm before anything is timed.</summary>
    private async Task WarmUpAsync(CancellationToken ct)
    {
        Console.WriteLine("  [drain] warming up every system (not recorded)");
        foreach (var system in Systems.Concat(Ladder).Where(s => s.Unavailable is null && Selected(s)).DistinctBy(s => s.Name))
        {
            // Both shapes of the timed cells: small batches reach every branch, the headline batch size runs long
            // enough for tiered JIT to finish the hot path, so the first timed repetition is not the JIT's.
            await MeasureAsync(system, batchSize: 10, workers: 2, system.UsesQueueTable ? 5_000 : 200, capture: false, ct);
            if (system.UsesQueueTable)
            {
                await MeasureAsync(system, BenchProfile.HeadlineBatchSize, workers: 2, profile.DrainItems(BenchProfile.HeadlineBatchSize), capture: false, ct);
            }
        }
    }

    private async Task<Measurement> MeasureAsync(IDrainSystem system, int batchSize, int workers, long items, bool capture, CancellationToken ct)
    {
        if (system.Unavailable is { } why)
        {
            return new Measurement(0, 0, 0, 0, 0, null, string.Empty, why);
        }

        var history = Math.Max(10_000, items / 10);
        var warmUp = system.UsesQueueTable ? (long)workers * batchSize : 0;
        if (system.UsesQueueTable)
        {
            await QueueTable.RefillAsync(connectionString, items + warmUp, history, ct);
        }

        // The warm-up's items count as history: finished before the clock starts.
        var setup = new DrainSetup(connectionString, hangfireConnectionString, batchSize, workers, items, system.UsesQueueTable ? history + warmUp : 0);
        await using var run = await system.PrepareAsync(setup, ct);
        await run.WarmUpAsync(ct);
        await WaitForQuietJitAsync(ct);

        var before = capture && stats is not null ? await stats.TakeAsync(ct) : null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(profile.DrainTimeout);
        var timedOut = false;
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var jitTime = System.Runtime.JitInfo.GetCompilationTime();
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
        jitTime = System.Runtime.JitInfo.GetCompilationTime() - jitTime;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        process.Refresh();
        cpu = process.TotalProcessorTime - cpu;
        var after = before is not null ? await stats!.TakeAsync(ct) : null;
        var finished = await run.CountFinishedAsync(ct);
        var jitNote = jitTime >= TimeSpan.FromMilliseconds(10) ? $"JIT {jitTime.TotalMilliseconds:0} ms in the window" : string.Empty;
        var note = timedOut ? $"timed out after {profile.DrainTimeout.TotalSeconds:0} s: {finished} of {items} finished"
            : finished != items ? $"{finished} of {items} finished"
            : string.Empty;
        note = string.Join("; ", new[] { note, jitNote }.Where(n => n.Length > 0));
        var perItem = Math.Max(1, finished);
        return new Measurement(finished, clock.Elapsed.TotalSeconds, allocated, cpu.TotalMicroseconds / perItem, finished / clock.Elapsed.TotalSeconds, after?.Since(before!), note, null);
    }

    /// <summary>
    /// Waits, untimed, until the runtime's background JIT has been quiet for a moment (at most a few seconds): tiered
    /// compilation recompiles hot code on another thread for seconds after it first runs, and on 2 cores that thread
    /// takes its CPU from the drain being timed (measured: up to 570 ms of JIT in a 0.9 s drain). A host that has been
    /// running for a while has that behind it.
    /// </summary>
    private static async Task WaitForQuietJitAsync(CancellationToken ct)
    {
        var quiet = 0;
        for (var i = 0; i < 50 && quiet < 3; i++)
        {
            var before = System.Runtime.JitInfo.GetCompilationTime();
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            quiet = System.Runtime.JitInfo.GetCompilationTime() - before < TimeSpan.FromMilliseconds(1) ? quiet + 1 : 0;
        }
    }

    private static string Shorten(string query)
    {
        var flat = string.Join(' ', query.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 90 ? flat : flat[..87] + "...";
    }

    private sealed record Cell(string Section, IReadOnlyList<IDrainSystem> Systems, int BatchSize, int Workers, int Repetitions);

    private sealed record Measurement(
        long Finished,
        double Seconds,
        long AllocatedBytes,
        double CpuMicrosPerItem,
        double Rate,
        IReadOnlyList<(string Query, StatementStats.StatementCounters Counters)>? Statements,
        string Note,
        string? Unavailable);
}
