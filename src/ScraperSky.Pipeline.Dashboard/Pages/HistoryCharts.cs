using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using static ScraperSky.Pipeline.Dashboard.Pages.Html;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>A time range of the charts: its name in the URL (<c>range=</c>), its length and its step.</summary>
internal sealed record HistoryRange(string Name, string Label, TimeSpan Length, TimeSpan Step, string TimeFormat)
{
    public static readonly IReadOnlyList<HistoryRange> All =
    [
        new("1h", "1 hour", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), "HH:mm"),
        new("24h", "24 hours", TimeSpan.FromHours(24), TimeSpan.FromMinutes(15), "HH:mm"),
        new("7d", "7 days", TimeSpan.FromDays(7), TimeSpan.FromHours(2), "MMM d HH:mm"),
    ];

    /// <summary>The range named in the URL; the first (1 hour) when none or an unknown one is named.</summary>
    public static HistoryRange Parse(string? name) => All.FirstOrDefault(r => r.Name == name) ?? All[0];

    /// <summary>The range's end: the end of the step now falls in, so the last point is the current, partial step.</summary>
    public (DateTimeOffset From, DateTimeOffset To) Window(DateTimeOffset now)
    {
        var to = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % Step.Ticks), TimeSpan.Zero) + Step;
        return (to - Length, to);
    }
}

/// <summary>The history parts of the pages: the workflow page's charts and the overview's sparklines.</summary>
internal static class HistoryCharts
{
    /// <summary>The note shown where charts would be when no history is registered.</summary>
    public const string NotEnabled = "<p class=\"notice info\" data-missing=\"history\">No history is recorded: call <code>services.AddPipelineHistory()</code> to keep per-minute counts, wait and processing times and failure groups, and this page shows them as charts.</p>";

    public static IPipelineHistory? History(PageContext page) => page.Http.RequestServices.GetService<IPipelineHistory>();

    /// <summary>Now, by the app's <see cref="TimeProvider"/>.</summary>
    public static DateTimeOffset Now(PageContext page) => (page.Http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();

    /// <summary>The workflow page's section: the range switch and four charts, or the note when no history is registered.</summary>
    public static async Task<string> WorkflowSectionAsync(PageContext page, string name)
    {
        var html = new StringBuilder("<section aria-labelledby=\"history\" class=\"history\"><h2 id=\"history\">History</h2>");
        if (History(page) is not { } history)
        {
            return html.Add(NotEnabled).Add("</section>").ToString();
        }

        var range = HistoryRange.Parse(page.Http.Request.Query["range"]);
        html.Add("<nav class=\"ranges\" aria-label=\"Time range\">");
        foreach (var r in HistoryRange.All)
        {
            html.Add($"<a href=\"./workflow?name={Q(name)}&amp;range={r.Name}#history\" data-range=\"{r.Name}\"{(r == range ? " aria-current=\"true\"" : "")}>{r.Label}</a>");
        }

        html.Add("</nav>");
        var (from, to) = range.Window(Now(page));
        IReadOnlyList<PipelineHistoryPoint> points;
        try
        {
            points = await history.GetSeriesAsync(name, from, to, range.Step, page.Http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return html.Add($"<p class=\"notice warn\" data-history-error>The history could not be read: {E(ex.Message)}</p></section>").ToString();
        }

        var times = points.Select(p => p.Start).ToList();
        var per = range.Step == TimeSpan.FromMinutes(1) ? "per minute" : $"per {Step(range.Step)}";
        html.Add("<div class=\"charts\">");
        html.Add(SvgChart.Line($"Throughput ({per})", times,
        [
            new("completed", "completed", points.Select(p => (double?)p.Completed).ToList()),
            new("failed", "failed", points.Select(p => (double?)p.Failed).ToList()),
        ], Count, range.TimeFormat));
        html.Add(SvgChart.Line("Wait time in the queue", times, Durations(points, p => p.Wait), Duration, range.TimeFormat));
        html.Add(SvgChart.Line("Processing time", times, Durations(points, p => p.Processing), Duration, range.TimeFormat));
        html.Add(SvgChart.Line($"Errors ({per})", times,
        [
            new("failed", "failed", points.Select(p => (double?)p.Failed).ToList()),
            new("retried", "retried", points.Select(p => (double?)p.Retried).ToList()),
            new("rescued", "rescued", points.Select(p => (double?)p.Rescued).ToList()),
        ], Count, range.TimeFormat));
        html.Add("</div>");
        html.Add($"<p class=\"muted small\">Summed over every host; the last point is the current step, written by each host once a minute. <a href=\"./errors?name={Q(name)}\">Failures grouped by message</a></p>");
        return html.Add("</section>").ToString();
    }

    /// <summary>The last 60 minutes of completed items per workflow, for the overview's tiles (empty when no history is registered or it cannot be read).</summary>
    public static async Task<Dictionary<string, IReadOnlyList<PipelineHistoryPoint>>> LastHourAsync(PageContext page, IEnumerable<string> workflows)
    {
        var series = new Dictionary<string, IReadOnlyList<PipelineHistoryPoint>>(StringComparer.Ordinal);
        if (History(page) is not { } history)
        {
            return series;
        }

        var (from, to) = HistoryRange.All[0].Window(Now(page));
        foreach (var name in workflows)
        {
            try
            {
                series[name] = await history.GetSeriesAsync(name, from, to, TimeSpan.FromMinutes(1), page.Http.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A tile without its sparkline; the workflow page says why.
            }
        }

        return series;
    }

    /// <summary>A tile's sparkline: items completed and failed per minute over the last hour.</summary>
    public static string Sparkline(string name, IReadOnlyList<PipelineHistoryPoint>? points)
    {
        if (points is null)
        {
            return "";
        }

        var completed = points.Sum(p => p.Completed);
        var failed = points.Sum(p => p.Failed);
        var title = $"{name}, last 60 minutes: {N(completed)} completed, {N(failed)} failed";
        var lines = new List<(IReadOnlyList<double>, string)> { (points.Select(p => (double)p.Completed).ToList(), "completed") };
        if (failed > 0)
        {
            lines.Add((points.Select(p => (double)p.Failed).ToList(), "failed"));
        }

        return $"<div class=\"spark\" data-sparkline=\"{E(name)}\">{SvgChart.Sparkline(title, lines)}<span class=\"muted small\">{N(completed)} done · {N(failed)} failed in 60 min</span></div>";
    }

    private static List<ChartSeries> Durations(IReadOnlyList<PipelineHistoryPoint> points, Func<PipelineHistoryPoint, PipelineDurations?> pick) =>
    [
        new("p50", "p50", points.Select(p => pick(p)?.P50.TotalMilliseconds).ToList()),
        new("p95", "p95", points.Select(p => pick(p)?.P95.TotalMilliseconds).ToList()),
        new("max", "max", points.Select(p => pick(p)?.Max.TotalMilliseconds).ToList()),
    ];

    private static string Count(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds as ms, s, min or h.</summary>
    internal static string Duration(double ms) => ms switch
    {
        < 1000 => ms.ToString("0.#", CultureInfo.InvariantCulture) + " ms",
        < 120_000 => (ms / 1000).ToString("0.#", CultureInfo.InvariantCulture) + " s",
        < 7_200_000 => (ms / 60_000).ToString("0.#", CultureInfo.InvariantCulture) + " min",
        _ => (ms / 3_600_000).ToString("0.#", CultureInfo.InvariantCulture) + " h",
    };

    private static string Step(TimeSpan step) => step.TotalHours >= 1 ? $"{step.TotalHours:0} hours" : $"{step.TotalMinutes:0} minutes";
}
