using ScottPlot;
using ScraperSky.Pipeline.Benchmarks.Drain;

namespace ScraperSky.Pipeline.Benchmarks.Reporting;

/// <summary>
/// The PNG of section 1: drain throughput by batch size (best worker count at each size) for the library, raw SQL
/// and Hangfire, both axes logarithmic because the systems differ by orders of magnitude.
/// </summary>
internal static class ThroughputChart
{
    /// <summary>Saves the chart; returns the path, or null when there is nothing to draw.</summary>
    public static string? TrySave(ResultSet results, string path)
    {
        var drain = results.Section(DrainBenchmark.Section).Where(r => r.Value is > 0).ToList();
        if (drain.Count == 0)
        {
            return null;
        }

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var colour = 0;
        foreach (var system in drain.Where(r => r.BatchSize is not null).Select(r => r.System).Distinct())
        {
            var points = drain
                .Where(r => r.System == system && r.BatchSize is not null)
                .GroupBy(r => r.BatchSize!.Value)
                .OrderBy(g => g.Key)
                .Select(g => (X: Math.Log10(g.Key), Y: Math.Log10(g.Max(r => r.Value!.Value))))
                .ToList();
            var scatter = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
            scatter.LegendText = system;
            scatter.Color = palette.GetColor(colour++);
            scatter.LineWidth = 2;
            scatter.MarkerSize = 8;
        }

        var hangfire = drain.Where(r => r.BatchSize is null).ToList();
        if (hangfire.Count > 0)
        {
            var best = hangfire.MaxBy(r => r.Value!.Value)!;
            var line = plot.Add.HorizontalLine(Math.Log10(best.Value!.Value));
            line.LegendText = $"{best.System} ({best.Workers} workers; one job per fetch)";
            line.Color = palette.GetColor(colour);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 2;
        }

        double[] batchSizes = [1, 10, 100, 1000];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. batchSizes.Select(Math.Log10)], [.. batchSizes.Select(b => b.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.SetLimitsX(-0.2, 3.2);
        plot.Title($"Drain throughput of no-op items ({results.Profile} run, best worker count per point)");
        plot.XLabel("batch size");
        plot.YLabel("items per second (log)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 600);
        return path;
    }
}
