using Microsoft.Extensions.Configuration;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Where one workflow's settings are read: its configuration section (by path in the host's configuration, or a
/// <see cref="Section"/> given at registration), and the prefix of its environment variables (whose values the
/// environment source loads into <see cref="EnvironmentSectionPath"/>). Fixed when the host is built.
/// </summary>
internal sealed record WorkflowSettingsLocation(string Workflow, string SectionPath, string Prefix)
{
    /// <summary>The configuration section holding one sub-section per workflow name, unless a workflow is given another.</summary>
    public const string DefaultSectionRoot = "ScraperSky:Workflows";

    /// <summary>The section given to <c>AddStatusWorkflow</c>, read instead of <see cref="SectionPath"/> in the host's configuration.</summary>
    public IConfigurationSection? Section { get; init; }

    /// <summary>Whether these are the settings of a workflow group (<c>AddStatusWorkflowGroup</c>; <see cref="Workflow"/> is the group's id).</summary>
    public bool IsGroup { get; init; }

    /// <summary>The section the workflow's environment variables are loaded into: <c>ScraperSky:Environment:{Prefix}</c>.</summary>
    public string EnvironmentSectionPath => WorkflowEnvironment.SectionPath + ":" + Prefix;

    public static string DefaultSectionPath(string workflow) => DefaultSectionRoot + ":" + workflow;
}
