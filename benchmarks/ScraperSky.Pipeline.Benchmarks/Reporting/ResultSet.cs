namespace ScraperSky.Pipeline.Benchmarks.Reporting;

/// <summary>Every figure of one run, in the order measured, plus what the report says about the run itself.</summary>
internal sealed class ResultSet
{
    private readonly List<ResultRow> _rows = [];
    private readonly object _gate = new();

    public required string Profile { get; init; }

    public required string Command { get; init; }

    public string Server { get; set; } = string.Empty;

    public string Machine { get; } = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public TimeSpan Duration { get; set; }

    /// <summary>Free-text findings of the run (the profile's conclusions), printed under the tables.</summary>
    public List<string> Findings { get; } = [];

    public IReadOnlyList<ResultRow> Rows
    {
        get
        {
            lock (_gate)
            {
                return [.. _rows];
            }
        }
    }

    public void Add(ResultRow row)
    {
        lock (_gate)
        {
            _rows.Add(row);
        }

        var where = string.Join(' ', new[]
        {
            row.BatchSize is { } b ? $"batch={b}" : null,
            row.Workers is { } w ? $"workers={w}" : null,
        }.Where(s => s is not null));
        Console.WriteLine($"  [{row.Section}] {row.System} {where}: {Format(row.Value)} {row.Metric}{(row.Note.Length > 0 ? " (" + row.Note + ")" : string.Empty)}");
    }

    public IEnumerable<ResultRow> Section(string section) => Rows.Where(r => r.Section == section);

    public static string Format(double? value) => value switch
    {
        null => "n/a",
        >= 1000 => value.Value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        >= 100 => value.Value.ToString("F0", System.Globalization.CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
    };
}
