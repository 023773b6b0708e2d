using System.Globalization;
using ScraperSky.Pipeline.Benchmarks.Drain;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Reporting;

/// <summary>
/// The headline of a run: at batch 100, the best worker count of each system, the library (lease mode when it is
/// available, atomic until then) against the raw-SQL loop of the same pattern and against Hangfire; and the issue's
/// targets, each stated as measured.
/// </summary>
internal static class Headline
{
    public static IDrainSystem Library
        => DrainBenchmark.Systems.FirstOrDefault(s => s.Name.StartsWith("library", StringComparison.Ordinal) && s.Pattern == DrainPattern.Lease && s.Unavailable is null)
            ?? DrainBenchmark.Systems.First(s => s.Name.StartsWith("library", StringComparison.Ordinal) && s.Pattern == DrainPattern.Atomic);

    public static IDrainSystem RawSql
        => DrainBenchmark.Systems.First(s => s.Name.StartsWith("raw-sql", StringComparison.Ordinal) && s.Pattern == Library.Pattern);

    private const string LibraryAtomicName = "library-atomic";
    private const string RawAtomicName = "raw-sql-atomic";

    public static IDrainSystem Hangfire => DrainBenchmark.Systems.First(s => s.Pattern == DrainPattern.JobQueue);

    /// <summary>The lines the run prints last, one figure each (n/a when a section did not run).</summary>
    public static IEnumerable<string> RatioLines(ResultSet results)
    {
        var (library, raw, hangfire) = Figures(results);
        yield return "ratio library/raw-sql=" + Ratio(library, raw, "0.00");
        yield return "ratio atomic library/raw-sql=" + Ratio(Best(results, LibraryAtomicName, BenchProfile.HeadlineBatchSize), Best(results, RawAtomicName, BenchProfile.HeadlineBatchSize), "0.00");
        var lease1000 = RatioValue(Best(results, Library.Name, 1000), Best(results, RawSql.Name, 1000));
        var atomic1000 = RatioValue(Best(results, LibraryAtomicName, 1000), Best(results, RawAtomicName, 1000));
        double?[] atLarge = [lease1000, atomic1000];
        yield return "ratio batch1000 library/raw-sql=" + (atLarge.Any(r => r is null) ? "n/a" : atLarge.Min()!.Value.ToString("0.00", CultureInfo.InvariantCulture));
        var alloc = results.Section(Micro.AllocationBenchmark.Section).FirstOrDefault(r => r.System == Micro.AllocationBenchmark.LoopTotal)?.Value;
        yield return "alloc bytes/item=" + (alloc is { } a ? a.ToString("0", CultureInfo.InvariantCulture) : "n/a");
        var (libraryCpu, rawCpu) = ClientCpu(results);
        yield return "client-cpu ratio=" + (libraryCpu is { } l && rawCpu is { } r && r > 0 ? (l / r).ToString("0.00", CultureInfo.InvariantCulture) : "n/a");
        yield return "ratio library/hangfire=" + Ratio(library, hangfire, "0.0");
    }

    private static string Ratio(ResultRow? library, ResultRow? other, string format)
        => RatioValue(library, other) is { } ratio ? ratio.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static double? RatioValue(ResultRow? library, ResultRow? other)
        => library?.Value is { } l && other?.Value is { } o && o > 0 ? l / o : null;

    private static ResultRow? Best(ResultSet results, string system, int? batch)
        => results.Section(DrainBenchmark.Section).Where(r => r.Value is > 0 && r.System == system && r.BatchSize == batch).MaxBy(r => r.Value!.Value);

    /// <summary>Client CPU per item of the library and raw SQL in atomic mode at batch 100 (the ablation's fewest workers).</summary>
    private static (double? Library, double? Raw) ClientCpu(ResultSet results)
    {
        var profile = results.Section(DrainBenchmark.ProfileSection).ToList();
        if (profile.Count == 0)
        {
            return (null, null);
        }

        var workers = profile.Min(x => x.Workers);
        var cpu = profile.Where(r => r.Metric == "client CPU µs/item" && r.Workers == workers).ToList();
        return (cpu.FirstOrDefault(r => r.System == LibraryAtomicName)?.Value, cpu.FirstOrDefault(r => r.System == RawAtomicName)?.Value);
    }

    /// <summary>Adds the headline sentences (figures against the issue's targets) to the run's findings, first.</summary>
    public static void AddFindings(ResultSet results)
    {
        var findings = new List<string>();
        var (library, raw, hangfire) = Figures(results);
        if (library is not null && raw is not null)
        {
            var ratio = library.Value!.Value / raw.Value!.Value;
            findings.Add($"Batch {BenchProfile.HeadlineBatchSize}: {library.System} {ResultSet.Format(library.Value)} items/s ({library.Workers} workers) vs {raw.System} "
                + $"{ResultSet.Format(raw.Value)} items/s ({raw.Workers} workers): ratio {ratio:0.00} (target ≥ 0.90 in lease mode{(Library.Pattern == DrainPattern.Lease ? string.Empty : "; lease mode not yet available, so atomic vs atomic")}).");
        }

        var cpu = results.Section(DrainBenchmark.ProfileSection).Where(r => r.Metric == "client CPU µs/item" && r.Workers == results.Section(DrainBenchmark.ProfileSection).Min(x => x.Workers)).ToList();
        var libraryCpu = cpu.FirstOrDefault(r => r.System == LibraryAtomicName);
        var rawCpu = cpu.FirstOrDefault(r => r.System == RawAtomicName);
        if (libraryCpu?.Value is { } l && rawCpu?.Value is { } r)
        {
            findings.Add($"Client CPU per item at batch {BenchProfile.HeadlineBatchSize} (independent of the disk): {LibraryAtomicName} {l:0.0} µs vs {RawAtomicName} {r:0.0} µs "
                + $"(+{l - r:0.0} µs, {l / r:0.00}×, target ≤ 1.3×); on 2 cores the client's CPU is taken from PostgreSQL's.");
        }

        if (library is not null && hangfire is not null)
        {
            findings.Add($"Against {hangfire.System} ({ResultSet.Format(hangfire.Value)} jobs/s, {hangfire.Workers} workers, poll {HangfireDrain.QueuePollInterval.TotalMilliseconds:0} ms): "
                + $"ratio {library.Value!.Value / hangfire.Value!.Value:0.0} (target ≥ 30).");
        }

        var claims = results.Section(ClaimCost.ClaimCostBenchmark.Section).Where(r => r.Metric == "median ms" && r.Value is not null).ToList();
        if (claims.Count >= 2)
        {
            var first = claims[0];
            var million = claims.FirstOrDefault(r => r.Items == 1_000_000) ?? claims[^1];
            findings.Add($"Claim of 100: {first.Value:0.000} ms at {first.Items:N0} rows, {million.Value:0.000} ms at {million.Items:N0} rows: "
                + $"{million.Value!.Value / first.Value!.Value:0.00}× (target ≤ 1.2×).");
        }

        var perItem = results.Section(Micro.AllocationBenchmark.Section).Where(r => r.System == Micro.AllocationBenchmark.LoopTotal).ToList();
        if (perItem.Count > 0)
        {
            findings.Add($"Loop's own allocations per item (BenchmarkDotNet, batch {perItem[0].BatchSize}): {perItem[0].Value:0} B (target ≤ 600 B).");
        }

        var idle = results.Section(Idle.IdleCostBenchmark.Section).FirstOrDefault(r => r.Metric == Idle.IdleCostBenchmark.ClaimsPerIntervalMetric);
        if (idle is not null)
        {
            findings.Add($"Idle: {idle.Value:0.00} claim statements per interval per workflow (target ≤ 1); {idle.Note}.");
        }

        results.Findings.InsertRange(0, findings);
    }

    private static (ResultRow? Library, ResultRow? Raw, ResultRow? Hangfire) Figures(ResultSet results)
    {
        var drain = results.Section(DrainBenchmark.Section).Where(r => r.Value is > 0).ToList();
        ResultRow? Best(string system, int? batch) => drain.Where(r => r.System == system && r.BatchSize == batch).MaxBy(r => r.Value!.Value);
        return (Best(Library.Name, BenchProfile.HeadlineBatchSize), Best(RawSql.Name, BenchProfile.HeadlineBatchSize), Best(Hangfire.Name, null));
    }
}
