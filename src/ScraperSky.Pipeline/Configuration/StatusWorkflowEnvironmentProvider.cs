using System.Collections;
using Microsoft.Extensions.Configuration;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Loads every <c>{PREFIX}_SCHEDULER_{SUFFIX}</c> environment variable of a known suffix into the neutral section
/// <c>ScraperSky:Environment:{PREFIX}:{Setting path}</c>, in the option's configuration form
/// (<c>DOMAIN_SCHEDULER_INTERVAL_SECONDS=30</c> → <c>ScraperSky:Environment:DOMAIN:Schedule:Interval = 00:00:30</c>). It need not
/// know which workflows exist: each workflow binds the sub-section of its own prefix after its configuration section,
/// so the environment wins. A value that does not fit its unit, or a second variable for an option already
/// set, is left out and kept in <see cref="Entries"/> with the problem, which start-up validation reports; every
/// variable read is kept there too, for the start-up audit and for naming the variable behind a value.
/// </summary>
internal sealed class StatusWorkflowEnvironmentProvider(IReadOnlyDictionary<string, string>? variables) : ConfigurationProvider
{
    private Dictionary<string, EnvironmentEntry> _setters = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every <c>*_SCHEDULER_*</c> variable read, ordered by prefix, then as the settings table.</summary>
    public IReadOnlyList<EnvironmentEntry> Entries { get; private set; } = [];

    public override void Load()
    {
        var candidates = new List<(string Variable, string Prefix, string Suffix, string Raw)>();
        foreach (var (variable, raw) in variables ?? ProcessEnvironment())
        {
            if (WorkflowEnvironment.TrySplit(variable, out var prefix, out var suffix))
            {
                candidates.Add((variable, prefix, suffix, raw));
            }
        }

        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var setters = new Dictionary<string, EnvironmentEntry>(StringComparer.OrdinalIgnoreCase);
        var entries = new List<EnvironmentEntry>(candidates.Count);
        foreach (var (variable, prefix, suffix, raw) in candidates
            .OrderBy(c => c.Prefix, StringComparer.Ordinal)
            .ThenBy(c => EnvironmentSettings.Rank(c.Suffix))
            .ThenBy(c => c.Variable, StringComparer.Ordinal))
        {
            var setting = EnvironmentSettings.Find(suffix);
            if (setting is null || !WorkflowEnvironment.IsWorkflowPrefix(prefix))
            {
                // Read by no workflow (the audit says so), or another program's variable.
                entries.Add(new EnvironmentEntry(variable, prefix, raw, setting, Key: null, Problem: null));
                continue;
            }

            var key = ConfigurationPath.Combine(WorkflowEnvironment.SectionPath, prefix, setting.Path);
            if (setters.TryGetValue(key, out var other))
            {
                entries.Add(new EnvironmentEntry(variable, prefix, raw, setting, key, $"{other.Variable} and {variable} both set {setting.Path}; set only one of them."));
            }
            else if (setting.Convert(raw) is { } value)
            {
                var entry = new EnvironmentEntry(variable, prefix, raw, setting, key, Problem: null);
                setters[key] = entry;
                data[key] = value;
                entries.Add(entry);
            }
            else
            {
                entries.Add(new EnvironmentEntry(variable, prefix, raw, setting, key, $"{variable}={raw} {setting.Complaint} (for {setting.Path})."));
            }
        }

        Data = data;
        Entries = entries;
        _setters = setters;
    }

    /// <summary>The variable whose value this provider holds under <paramref name="key"/>, or <see langword="null"/>.</summary>
    public EnvironmentEntry? SetterOf(string key) => _setters.GetValueOrDefault(key);

    private static IEnumerable<KeyValuePair<string, string>> ProcessEnvironment()
    {
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            yield return new KeyValuePair<string, string>((string)variable.Key, (string?)variable.Value ?? string.Empty);
        }
    }
}

/// <summary>
/// One <c>*_SCHEDULER_*</c> variable: its <see cref="Setting"/> when the suffix is known, the configuration
/// <see cref="Key"/> it sets when its prefix can be a workflow's, and the <see cref="Problem"/> (a sentence naming the
/// variable and its value) when it was left out.
/// </summary>
internal sealed record EnvironmentEntry(string Variable, string Prefix, string RawValue, EnvironmentSetting? Setting, string? Key, string? Problem);
