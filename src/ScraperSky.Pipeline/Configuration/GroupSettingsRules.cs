using Microsoft.Extensions.Configuration;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// The rules of workflow groups' settings, for <see cref="StatusWorkflowOptionsValidator"/>: a group's options (named
/// after the group) hold its schedule and <c>Enabled</c> only, its members must exist and not share its name, and a
/// member's own schedule settings are rejected (the group's schedule is the member's).
/// </summary>
internal sealed class GroupSettingsRules
{
    private readonly Dictionary<string, StatusWorkflowGroupRegistration> _groups;
    private readonly Dictionary<string, string> _groupOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkflowSettingsLocation> _locations;
    private readonly IReadOnlyCollection<string> _workflows;
    private readonly IConfiguration? _configuration;

    public GroupSettingsRules(
        IEnumerable<StatusWorkflowGroupRegistration> groups,
        IEnumerable<WorkflowSettingsLocation> locations,
        IReadOnlyCollection<string> workflows,
        IConfiguration? configuration)
    {
        _groups = groups.ToDictionary(g => g.Id, StringComparer.Ordinal);
        foreach (var group in _groups.Values)
        {
            foreach (var member in group.Members)
            {
                _groupOf.TryAdd(member, group.Id);
            }
        }

        _locations = locations.ToDictionary(l => l.Workflow, StringComparer.Ordinal);
        _workflows = workflows;
        _configuration = configuration;
    }

    /// <summary>Validates a group's options; <see langword="null"/> when <paramref name="name"/> is not a group's.</summary>
    public List<string>? Validate(string name, StatusWorkflowOptions options)
    {
        if (!_groups.TryGetValue(name, out var group))
        {
            return null;
        }

        var subject = $"Status workflow group '{name}'";
        var failures = new List<string>();
        if (_workflows.Contains(name))
        {
            failures.Add($"{subject}: a status workflow has the same name; the group's settings (ScraperSky:Workflows:{name}) would be the workflow's. Give the group another id.");
        }

        foreach (var member in group.Members.Where(m => !_workflows.Contains(m)))
        {
            failures.Add($"{subject}: member '{member}' is not a registered status workflow (registered: {string.Join(", ", _workflows.Select(w => "'" + w + "'"))}).");
        }

        var settings = _locations.TryGetValue(name, out var location) && (_configuration ?? location.Section) is { } configuration
            ? new WorkflowConfiguration(configuration, location)
            : null;
        if (settings is not null)
        {
            failures.AddRange(settings.Problems().Select(problem => $"{subject}: {problem}"));
            // Variables of a prefix the group shares with a member are the member's, except the schedule and Enabled.
            var shared = location is not null && group.Members.Any(m => PrefixOf(m) == location.Prefix);
            foreach (var setting in SettingCatalog.All.Where(s => !IsGroupSetting(s)))
            {
                if (settings.SourceOf(setting, options) is { Origin: SettingOrigin.Configuration or SettingOrigin.Environment } source
                    && !(shared && source.Origin == SettingOrigin.Environment))
                {
                    failures.Add($"{subject}: {source.Key} sets {setting.Path}, which each member workflow has for itself; a group has only Enabled and Schedule settings. Set it on the member.");
                }
            }
        }

        foreach (var (setting, value, rule) in StatusWorkflowOptionsValidator.ScheduleProblems(options.Schedule, path => settings?.SourceOf(SettingCatalog.Find(path)!, options)))
        {
            failures.Add(StatusWorkflowOptionsValidator.Message(subject, settings?.SourceOf(SettingCatalog.Find(setting)!, options), setting, value, rule));
        }

        return failures;
    }

    /// <summary>A member's schedule settings that are set (in code, configuration or the environment): each is an error.</summary>
    public IEnumerable<string> MemberProblems(string workflow, StatusWorkflowOptions options, WorkflowConfiguration? settings)
    {
        if (!_groupOf.TryGetValue(workflow, out var group))
        {
            yield break;
        }

        var prefix = _locations.TryGetValue(group, out var location) ? location.Prefix : WorkflowEnvironment.PrefixFromName(group);
        foreach (var setting in SettingCatalog.All.Where(s => s.Path.StartsWith("Schedule:", StringComparison.Ordinal)))
        {
            var source = settings?.SourceOf(setting, options) ?? WorkflowConfiguration.CodeOrDefault(setting, options);
            if (source.Origin == SettingOrigin.Default)
            {
                continue;
            }

            // A schedule variable of the prefix the member shares with its group is the group's.
            if (source.Origin == SettingOrigin.Environment && prefix is not null && PrefixOf(workflow) == prefix)
            {
                continue;
            }

            var by = source.Origin == SettingOrigin.Code ? "code" : source.Key;
            yield return $"Status workflow '{workflow}': {setting.Path} is set (by {by}), but the workflow runs in group '{group}', whose schedule it shares. "
                + $"Set the group's instead (ScraperSky:Workflows:{group}:{setting.Path}, {WorkflowEnvironment.Variable(prefix ?? group, "…")}, or AddStatusWorkflowGroup's configureSchedule).";
        }
    }

    /// <summary>Gets the environment prefix of every workflow (not group), by name.</summary>
    public IReadOnlyDictionary<string, string> WorkflowPrefixes { get; init; } = new Dictionary<string, string>();

    private string? PrefixOf(string workflow) => WorkflowPrefixes.TryGetValue(workflow, out var prefix) ? prefix : null;

    private static bool IsGroupSetting(WorkflowSetting setting)
        => setting.Path.StartsWith("Schedule:", StringComparison.Ordinal) || setting.Path == nameof(StatusWorkflowOptions.Enabled);
}
