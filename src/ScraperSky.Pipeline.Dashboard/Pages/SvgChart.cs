using System.Globalization;
using System.Text;
using static ScraperSky.Pipeline.Dashboard.Pages.Html;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>One line of a chart: its name (legend and title), its CSS class (colour) and a value per point (null: no data there).</summary>
internal sealed record ChartSeries(string Name, string CssClass, IReadOnlyList<double?> Values);

/// <summary>
/// Server-rendered inline SVG charts: no script, no external library, readable without CSS (every chart has a
/// <c>&lt;title&gt;</c> and <c>&lt;desc&gt;</c>, every line its own title with its latest and highest value).
/// </summary>
internal static class SvgChart
{
    private const double Width = 640, Height = 200, Left = 56, Right = 12, Top = 12, Bottom = 28;

    /// <summary>
    /// A line chart of <paramref name="series"/> over <paramref name="times"/> (one value per time), with a y axis from
    /// zero to a rounded maximum labelled by <paramref name="format"/>, and the first, middle and last times labelled.
    /// </summary>
    public static string Line(string title, IReadOnlyList<DateTimeOffset> times, IReadOnlyList<ChartSeries> series, Func<double, string> format, string timeFormat)
    {
        var max = NiceMax(series.SelectMany(s => s.Values).Where(v => v.HasValue).Select(v => v!.Value).DefaultIfEmpty(0).Max());
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double X(int i) => Left + (times.Count <= 1 ? plotW / 2 : plotW * i / (times.Count - 1));
        double Y(double v) => Top + plotH - (plotH * v / max);
        var summary = string.Join("; ", series.Select(s => $"{s.Name}: {Summary(s, format)}"));
        var html = new StringBuilder();
        html.Add($"<figure class=\"chart\"><svg viewBox=\"0 0 {F(Width)} {F(Height)}\" role=\"img\" aria-label=\"{E(title)}\" data-points=\"{times.Count}\">")
            .Add($"<title>{E(title)}</title><desc>{E(summary)}</desc>");
        for (var tick = 0; tick <= 4; tick++)
        {
            var value = max * tick / 4;
            var y = Y(value);
            html.Add($"<line class=\"grid\" x1=\"{F(Left)}\" x2=\"{F(Width - Right)}\" y1=\"{F(y)}\" y2=\"{F(y)}\"/>")
                .Add($"<text class=\"axis\" x=\"{F(Left - 6)}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{E(format(value))}</text>");
        }

        if (times.Count > 0)
        {
            foreach (var i in new[] { 0, times.Count / 2, times.Count - 1 }.Distinct())
            {
                var anchor = i == 0 ? "start" : i == times.Count - 1 ? "end" : "middle";
                html.Add($"<text class=\"axis\" x=\"{F(X(i))}\" y=\"{F(Height - 8)}\" text-anchor=\"{anchor}\">{E(times[i].UtcDateTime.ToString(timeFormat, CultureInfo.InvariantCulture))}</text>");
            }
        }

        foreach (var s in series)
        {
            html.Add($"<path class=\"series {s.CssClass}\" data-series=\"{E(s.Name)}\" d=\"{Path(s.Values, X, Y)}\"><title>{E(s.Name)}: {E(Summary(s, format))}</title></path>");

            // A value with no neighbour draws no line: a dot shows it (one busy minute among quiet ones).
            for (var i = 0; i < s.Values.Count; i++)
            {
                if (s.Values[i] is { } v && (i == 0 || s.Values[i - 1] is null) && (i == s.Values.Count - 1 || s.Values[i + 1] is null))
                {
                    html.Add($"<circle class=\"series dot {s.CssClass}\" cx=\"{F(X(i))}\" cy=\"{F(Y(v))}\" r=\"2.5\"/>");
                }
            }
        }

        html.Add("</svg><figcaption>").Add($"<strong>{E(title)}</strong> ");
        html.Add(string.Join(" ", series.Select(s => $"<span class=\"legend {s.CssClass}\">{E(s.Name)}</span>")));
        return html.Add(" <span class=\"muted small\">(UTC)</span></figcaption></figure>").ToString();
    }

    /// <summary>Small lines without axes for a tile, on one scale, with a title saying what they show.</summary>
    public static string Sparkline(string title, IReadOnlyList<(IReadOnlyList<double> Values, string CssClass)> lines)
    {
        const double w = 120, h = 28;
        var max = Math.Max(1, lines.SelectMany(l => l.Values).DefaultIfEmpty(0).Max());
        var count = lines.Count == 0 ? 0 : lines[0].Values.Count;
        double X(int i) => count <= 1 ? w / 2 : w * i / (count - 1);
        double Y(double v) => h - 2 - ((h - 4) * v / max);
        var paths = string.Concat(lines.Select(l => $"<path class=\"series {l.CssClass}\" d=\"{Path(l.Values.Select(v => (double?)v).ToList(), X, Y)}\"/>"));
        return $"<svg class=\"sparkline\" viewBox=\"0 0 {F(w)} {F(h)}\" role=\"img\" aria-label=\"{E(title)}\" data-points=\"{count}\"><title>{E(title)}</title>{paths}</svg>";
    }

    /// <summary>A path through the points that have values; a gap starts a new segment.</summary>
    private static string Path(IReadOnlyList<double?> values, Func<int, double> x, Func<double, double> y)
    {
        var d = new StringBuilder();
        var pen = false;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } v)
            {
                pen = false;
                continue;
            }

            d.Append(pen ? " L" : (d.Length == 0 ? "M" : " M")).Append(F(x(i))).Append(' ').Append(F(y(v)));
            pen = true;
        }

        return d.ToString();
    }

    private static string Summary(ChartSeries s, Func<double, string> format)
    {
        var known = s.Values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return known.Count == 0 ? "no data" : $"latest {format(known[^1])}, highest {format(known.Max())}";
    }

    /// <summary>The axis maximum: the data's maximum rounded up to 1, 2 or 5 times a power of ten (at least 1).</summary>
    internal static double NiceMax(double max)
    {
        if (max <= 1)
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1.0, 2, 5, 10 })
        {
            if (step * power >= max)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
