using System.Globalization;
using System.Text;
using ScraperSky.Pipeline.Benchmarks.Drain;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Reporting;

/// <summary>The human-readable report of a run: the headline, one table per section, and the findings.</summary>
internal static class MarkdownReport
{
    private static readonly (string Section, string Title)[] Sections =
    [
        (DrainBenchmark.ProfileSection, "Where the library spends its time: raw SQL step by step towards the library (batch 100)"),
        (DrainBenchmark.StatementsSection, "Statements per batch seen by the server (pg_stat_statements)"),
        (ClaimCost.ClaimCostBenchmark.PathSection, "One claim of 100 by path (smallest table): planning and materialisation"),
        (Latency.PickupLatencyBenchmark.Section, "2. Pickup latency (commit of the queued status → processor starts)"),
        (ClaimCost.ClaimCostBenchmark.Section, "3. Claim cost as the table grows (claim of 100, 1% queued, library's claim SQL, rolled back)"),
        (Micro.AllocationBenchmark.Section, "4. Allocations per item"),
        (Idle.IdleCostBenchmark.Section, "5. Idle cost (nothing queued)"),
    ];

    private static readonly Dictionary<string, string> Legends = new(StringComparer.Ordinal)
    {
        [DrainBenchmark.ProfileSection] =
            "items/s: best of the interleaved runs. client CPU µs/item: CPU time of this process (Npgsql included) over the drain "
            + "divided by items, median of the runs; it does not depend on the disk and is the steadier figure. client alloc B/item: "
            + "everything the process allocated during the drain, per item. server ms/batch and statements/batch: pg_stat_statements "
            + "(planning + execution of every statement, BEGIN, COMMIT and the pool reset of a returned connection included).",
        [Micro.AllocationBenchmark.Section] =
            "BenchmarkDotNet in process, MemoryDiagnoser, short job (allocations are exact; timings rough). ItemStepBenchmarks split "
            + "LoopBenchmarks.ProcessBatch into its steps; AttachEntryDetect* are alternatives measured for comparison, not what the loop does.",
    };

    public static string Render(ResultSet results)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Benchmark results: {results.Profile} run");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- command: `{results.Command}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- date: {results.Started:yyyy-MM-dd HH:mm} UTC, took {results.Duration.TotalMinutes:0.0} min");
        md.AppendLine(CultureInfo.InvariantCulture, $"- machine: {results.Machine}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- server: {results.Server}");
        md.AppendLine();
        if (results.Findings.Count > 0)
        {
            md.AppendLine("## Headline and findings");
            md.AppendLine();
            foreach (var finding in results.Findings)
            {
                md.AppendLine("- " + finding);
            }

            md.AppendLine();
        }

        RenderDrain(md, results);
        foreach (var (section, title) in Sections)
        {
            var rows = results.Section(section).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            md.AppendLine("## " + title);
            md.AppendLine();
            if (section == DrainBenchmark.StatementsSection)
            {
                RenderRows(md, rows);
            }
            else
            {
                RenderPivot(md, rows);
            }

            md.AppendLine();
            if (Legends.TryGetValue(section, out var legend))
            {
                md.AppendLine(legend);
                md.AppendLine();
            }
        }

        return md.ToString();
    }

    /// <summary>Section 1 as the matrix a reader scans: one line per system and worker count, one column per batch size.</summary>
    private static void RenderDrain(StringBuilder md, ResultSet results)
    {
        var rows = results.Section(DrainBenchmark.Section).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine("## 1. Drain throughput (items/s, pre-queued no-op items, start → last outcome written)");
        md.AppendLine();
        var batches = rows.Where(r => r.BatchSize is not null).Select(r => r.BatchSize!.Value).Distinct().Order().ToList();
        md.Append("| system | workers |");
        foreach (var batch in batches)
        {
            md.Append(CultureInfo.InvariantCulture, $" batch {batch} |");
        }

        md.AppendLine(" note |");
        md.Append("| --- | ---: |").Append(string.Concat(batches.Select(_ => " ---: |"))).AppendLine(" --- |");
        foreach (var line in rows.Where(r => r.BatchSize is not null).GroupBy(r => (r.System, r.Workers)))
        {
            md.Append(CultureInfo.InvariantCulture, $"| {line.Key.System} | {line.Key.Workers} |");
            foreach (var batch in batches)
            {
                var cell = line.FirstOrDefault(r => r.BatchSize == batch);
                md.Append(' ').Append(cell is null ? string.Empty : ResultSet.Format(cell.Value)).Append(" |");
            }

            md.AppendLine(" " + string.Join("; ", line.Select(r => StripRuns(r.Note)).Where(n => n.Length > 0).Distinct()) + " |");
        }

        foreach (var row in rows.Where(r => r.BatchSize is null))
        {
            md.Append(CultureInfo.InvariantCulture, $"| {row.System} | {row.Workers} |");
            md.Append(string.Concat(batches.Select(_ => " " + ResultSet.Format(row.Value) + " |")));
            md.AppendLine(CultureInfo.InvariantCulture, $" one job per fetch (batch size does not apply); {row.Items} jobs in {row.Seconds:0.0} s{(row.Note.Length > 0 ? "; " + row.Note : string.Empty)} |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Each cell is the best of {results.Section(DrainBenchmark.RunsSection).GroupBy(r => (r.System, r.BatchSize, r.Workers)).Select(g => g.Count()).DefaultIfEmpty(1).Max()} runs, interleaved with the other systems of its column (commit latency on this disk swings run to run); "
            + $"every run, with its items, seconds and client CPU, is in the CSV (section drain-runs). Chart: `{results.Profile}-throughput.png`.");
        md.AppendLine();
    }

    /// <summary>One line per (system, batch, workers), one column per metric, notes gathered at the end.</summary>
    private static void RenderPivot(StringBuilder md, List<ResultRow> rows)
    {
        var metrics = rows.Select(r => r.Metric).Distinct().ToList();
        var showBatch = rows.Any(r => r.BatchSize is not null);
        var showWorkers = rows.Any(r => r.Workers is not null);
        md.Append("| system |").Append(showBatch ? " batch |" : string.Empty).Append(showWorkers ? " workers |" : string.Empty);
        md.Append(string.Concat(metrics.Select(m => " " + m + " |"))).AppendLine(" note |");
        md.Append("| --- |").Append(showBatch ? " ---: |" : string.Empty).Append(showWorkers ? " ---: |" : string.Empty);
        md.Append(string.Concat(metrics.Select(_ => " ---: |"))).AppendLine(" --- |");
        foreach (var line in rows.GroupBy(r => (r.System, r.BatchSize, r.Workers)))
        {
            md.Append(CultureInfo.InvariantCulture, $"| {line.Key.System} |");
            if (showBatch)
            {
                md.Append(CultureInfo.InvariantCulture, $" {line.Key.BatchSize} |");
            }

            if (showWorkers)
            {
                md.Append(CultureInfo.InvariantCulture, $" {line.Key.Workers} |");
            }

            foreach (var metric in metrics)
            {
                var cell = line.FirstOrDefault(r => r.Metric == metric);
                md.Append(' ').Append(cell is null ? string.Empty : ResultSet.Format(cell.Value)).Append(" |");
            }

            md.AppendLine(" " + string.Join("; ", line.Select(r => r.Note).Where(n => n.Length > 0).Distinct()) + " |");
        }
    }


    private static string StripRuns(string note)
        => string.Join("; ", note.Split("; ").Where(part => !part.StartsWith("best of", StringComparison.Ordinal)));

    private static void RenderRows(StringBuilder md, List<ResultRow> rows)
    {
        md.AppendLine("| system | batch | workers | metric | value | note |");
        md.AppendLine("| --- | ---: | ---: | --- | ---: | --- |");
        foreach (var row in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {row.System} | {row.BatchSize} | {row.Workers} | {row.Metric} | {ResultSet.Format(row.Value)} | {row.Note.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }
    }
}
