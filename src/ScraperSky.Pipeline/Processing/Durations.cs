using System.Globalization;

namespace ScraperSky.Pipeline.Processing;

/// <summary>Formats durations for error texts a person reads ("timed out after 30 s").</summary>
internal static class Durations
{
    public static string Describe(TimeSpan duration) => duration switch
    {
        { TotalSeconds: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0} ms"),
        { TotalMinutes: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.#} s"),
        { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMinutes:0.#} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalHours:0.#} h"),
    };
}
