using System.Globalization;
using ScraperSky.Pipeline;

namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// Applies a job's settings to its workflows' options: the sample's defaults (<c>Workflows:Interval</c>,
/// <c>Workflows:BatchSize</c>), then the seeds' environment variables <c>{PREFIX}_SCHEDULER_BATCH_SIZE</c>,
/// <c>_INTERVAL_SECONDS</c>, <c>_INTERVAL_MINUTES</c> and <c>_ENABLED</c>, which win as in the seeds. A stand-in until
/// the library's own <c>EnvironmentPrefix(…)</c> binding replaces it.
/// </summary>
public static class SchedulerSettings
{
    /// <summary>The interval of every workflow unless configured: short, so a sample run drains quickly.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    public static void Apply(StatusWorkflowOptions options, IConfiguration configuration, string environmentPrefix)
    {
        options.Interval = configuration.GetValue<TimeSpan?>("Workflows:Interval") ?? DefaultInterval;
        options.BatchSize = configuration.GetValue<int?>("Workflows:BatchSize") ?? options.BatchSize;

        var prefix = environmentPrefix + "_SCHEDULER_";
        if (Read<int>(configuration, prefix + "BATCH_SIZE", int.TryParse) is { } batchSize)
        {
            options.BatchSize = batchSize;
        }

        if (Read<double>(configuration, prefix + "INTERVAL_MINUTES", double.TryParse) is { } minutes)
        {
            options.Interval = TimeSpan.FromMinutes(minutes);
        }

        if (Read<double>(configuration, prefix + "INTERVAL_SECONDS", double.TryParse) is { } seconds)
        {
            options.Interval = TimeSpan.FromSeconds(seconds);
        }

        if (configuration[prefix + "ENABLED"] is { } enabled)
        {
            options.Enabled = bool.TryParse(enabled, out var on) ? on
                : throw new InvalidOperationException($"Environment variable {prefix}ENABLED is '{enabled}'; expected true or false.");
        }
    }

    private delegate bool Parser<T>(string? text, NumberStyles styles, IFormatProvider provider, out T value);

    private static T? Read<T>(IConfiguration configuration, string variable, Parser<T> parse)
        where T : struct
    {
        var text = configuration[variable];
        if (text is null)
        {
            return null;
        }

        return parse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"Environment variable {variable} is '{text}'; expected a number.");
    }
}
