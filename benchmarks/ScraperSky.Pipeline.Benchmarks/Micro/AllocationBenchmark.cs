using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ScraperSky.Pipeline.Benchmarks.Reporting;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Micro;

/// <summary>
/// Section 4 inside the one run: the BenchmarkDotNet micro benchmarks with MemoryDiagnoser, in process and with a
/// short job (allocations are exact whatever the job; only the timings are rougher), reported per item.
/// <c>-- micro</c> runs the same benchmarks with BenchmarkDotNet's default, longer job.
/// </summary>
internal static class AllocationBenchmark
{
    public const string Section = "allocations";
    public const string LoopTotal = "loop's own code, per item";

    public static void Run(BenchProfile profile, ResultSet results)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(profile.ShortMicroJob ? 1 : 6)
            .WithIterationCount(profile.ShortMicroJob ? 2 : 15)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(profile.ShortMicroJob ? 60 : 250))
            .WithId("suite");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(NullLogger.Instance)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "scrapersky-bdn"))
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary)
            // The suite reports per item at the headline batch size; `-- micro` runs every size.
            .AddFilter(new SimpleFilter(c => c.Parameters.Items.All(p => p.Name != "BatchSize" || (int)p.Value! == BenchProfile.HeadlineBatchSize)));

        var summaries = BenchmarkRunner.Run([typeof(LoopBenchmarks), typeof(ItemStepBenchmarks), typeof(OutcomeBatchBenchmarks)], config);
        var perItem = new Dictionary<(string Method, int Batch), double>();
        foreach (var report in summaries.SelectMany(s => s.Reports))
        {
            var method = report.BenchmarkCase.Descriptor.Type.Name + "." + report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            var batch = report.BenchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "BatchSize")?.Value as int? ?? 1;
            var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            var ns = report.ResultStatistics?.Mean;
            if (bytes is null)
            {
                results.Add(new ResultRow(Section, method, "B/op", null, batch, Note: "no result: " + string.Join(' ', report.ExecuteResults.SelectMany(r => r.Results).Take(1))));
                continue;
            }

            var once = method.EndsWith(nameof(LoopBenchmarks.GenerateSql), StringComparison.Ordinal);
            // ItemStepBenchmarks already report per item (OperationsPerInvoke); the others report per batch.
            var perOperation = report.BenchmarkCase.Descriptor.Type == typeof(ItemStepBenchmarks);
            var divisor = once || perOperation ? 1 : batch;
            batch = perOperation ? 100 : batch;
            perItem[(method, batch)] = bytes.Value / (double)divisor;
            results.Add(new ResultRow(Section, method, once ? "B/workflow" : "B/item", bytes.Value / (double)divisor, once ? null : batch,
                Note: (ns is null ? string.Empty : $"{ns.Value / divisor:0} ns/{(once ? "workflow" : "item")}; ") + (once ? "once per workflow, at start-up" : perOperation ? "one step of the loop, per item" : $"{bytes} B per batch of {batch}")));
        }

        var headline = BenchProfile.HeadlineBatchSize;
        if (perItem.TryGetValue(("LoopBenchmarks.ProcessBatch", headline), out var process) && perItem.TryGetValue(("LoopBenchmarks.BatchScope", headline), out var scope))
        {
            results.Add(new ResultRow(Section, LoopTotal, "B/item", process + scope, headline, Note: "ProcessBatch + BatchScope per item (outcome batching included; the scope counted once per batch, though a run now resolves it once)"));
        }
    }
}
