using Microsoft.Extensions.Configuration;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Finds settings that no workflow reads, so that a typo is warned about at start-up, never ignored silently: a key of
/// a workflow's section that names no setting, a section under <c>ScraperSky:Workflows</c> that names no workflow, a
/// <c>*_SCHEDULER_*</c> variable of a workflow's prefix with an unknown setting, and one with a known setting whose
/// prefix matches no workflow. A warning, not a failure: a variable may belong to another program, which is also why
/// a variable whose prefix and setting are both unknown (<c>CRON_SCHEDULER_LOCALE</c>) is not reported.
/// </summary>
internal static class ConfigurationAudit
{
    public static IEnumerable<Finding> Find(IConfiguration configuration, IReadOnlyCollection<WorkflowSettingsLocation> workflows)
    {
        var findings = new List<Finding>();
        foreach (var entry in WorkflowConfiguration.EnvironmentEntries(configuration).DistinctBy(e => e.Variable).OrderBy(e => e.Variable, StringComparer.Ordinal))
        {
            var owner = workflows.FirstOrDefault(w => string.Equals(w.Prefix, entry.Prefix, StringComparison.Ordinal));
            if (owner is not null && entry.Setting is null)
            {
                findings.Add(new Finding(FindingKind.UnknownEnvironmentSetting, entry.Variable, owner.Workflow));
            }
            else if (owner is null && entry.Setting is not null)
            {
                findings.Add(new Finding(FindingKind.EnvironmentPrefixOfNoWorkflow, entry.Variable, Workflow: null));
            }
        }

        foreach (var workflow in workflows)
        {
            findings.AddRange(new WorkflowConfiguration(configuration, workflow).UnknownKeys()
                .Select(key => new Finding(FindingKind.UnknownConfigurationKey, key, workflow.Workflow)));
        }

        var sections = workflows.Select(w => w.SectionPath).ToHashSet(StringComparer.OrdinalIgnoreCase);
        findings.AddRange(configuration.GetSection(WorkflowSettingsLocation.DefaultSectionRoot).GetChildren()
            .Where(section => !sections.Contains(section.Path))
            .Select(section => new Finding(FindingKind.SectionOfNoWorkflow, section.Path, Workflow: null)));
        return findings;
    }

    internal enum FindingKind
    {
        /// <summary>A known setting under a prefix no workflow has.</summary>
        EnvironmentPrefixOfNoWorkflow,

        /// <summary>A workflow's prefix with a setting that does not exist.</summary>
        UnknownEnvironmentSetting,

        /// <summary>A key of a workflow's section that names no setting.</summary>
        UnknownConfigurationKey,

        /// <summary>A section under <c>ScraperSky:Workflows</c> that names no workflow.</summary>
        SectionOfNoWorkflow,
    }

    /// <summary>A variable, key or section no workflow reads; <see cref="Workflow"/> is set when it is in a workflow's own settings.</summary>
    internal sealed record Finding(FindingKind Kind, string Name, string? Workflow);
}
