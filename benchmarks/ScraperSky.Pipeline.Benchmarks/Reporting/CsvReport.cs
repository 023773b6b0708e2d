using System.Globalization;
using System.Text;

namespace ScraperSky.Pipeline.Benchmarks.Reporting;

/// <summary>Every row of a run as CSV (RFC 4180 quoting), one figure per line, for spreadsheets and diffs between runs.</summary>
internal static class CsvReport
{
    public static string Render(ResultSet results)
    {
        var text = new StringBuilder();
        text.AppendLine("section,system,batch_size,workers,metric,value,items,seconds,note");
        foreach (var row in results.Rows)
        {
            text.AppendJoin(',',
                Quote(row.Section),
                Quote(row.System),
                row.BatchSize?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
                row.Workers?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
                Quote(row.Metric),
                row.Value?.ToString("0.###", CultureInfo.InvariantCulture) ?? string.Empty,
                row.Items?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
                row.Seconds?.ToString("0.###", CultureInfo.InvariantCulture) ?? string.Empty,
                Quote(row.Note));
            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Quote(string value)
        => value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
