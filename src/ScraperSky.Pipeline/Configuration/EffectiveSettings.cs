using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// A workflow's effective settings as shown to people (the start-up log, the catalog): every setting but the
/// connection string, its value as text and where it came from. One place, so that both show the same thing.
/// </summary>
internal static class EffectiveSettings
{
    /// <summary>Lists the settings of <paramref name="options"/>; <paramref name="jobId"/> stands for an unset job id.</summary>
    public static IReadOnlyList<EffectiveSetting> Of(StatusWorkflowOptions options, string jobId, WorkflowSettingsLocation location, IConfiguration? configuration)
    {
        var provenance = configuration is null ? null : new WorkflowConfiguration(configuration, location);
        return SettingCatalog.All.Where(SettingCatalog.IsLogged)
            .Select(s => new EffectiveSetting(
                s.Path,
                Format(s.GetValue(options) ?? (s.Property.Name == nameof(options.Schedule.JobId) ? jobId : null)),
                (provenance?.SourceOf(s, options) ?? WorkflowConfiguration.CodeOrDefault(s, options)).ToString()))
            .ToList();
    }

    private static string Format(object? value) => value switch
    {
        null => "(none)",
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}

/// <summary>One setting as <see cref="EffectiveSettings"/> shows it.</summary>
internal sealed record EffectiveSetting(string Path, string Value, string Source);
