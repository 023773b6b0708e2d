using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Applies configuration, then the environment, over what code configured (seed 003: the environment wins), and
/// records where each setting came from. Runs after every <c>Configure</c> action. Values that cannot be read are
/// recorded, not thrown, so that the validator reports them together with every other problem.
/// </summary>
internal sealed class StatusWorkflowOptionsSetup : IPostConfigureOptions<StatusWorkflowOptions>
{
    private static readonly StatusWorkflowOptions Defaults = new();
    private readonly Dictionary<string, WorkflowEnvironment> _workflows;
    private readonly IEnvironmentVariables _environment;
    private readonly IConfiguration? _configuration;

    public StatusWorkflowOptionsSetup(IEnumerable<WorkflowEnvironment> workflows, IEnvironmentVariables environment, IConfiguration? configuration = null)
    {
        _workflows = workflows.ToDictionary(w => w.Workflow, StringComparer.Ordinal);
        _environment = environment;
        _configuration = configuration;
    }

    public void PostConfigure(string? name, StatusWorkflowOptions options)
    {
        if (name is null || !_workflows.TryGetValue(name, out var workflow))
        {
            return;
        }

        var sources = new WorkflowSettingSources(workflow.Prefix);
        foreach (var setting in WorkflowSettings.Configuration)
        {
            // Code that sets a default value is reported as the default: the value is the same either way.
            sources.Set(setting.Property, Equals(setting.Get(options), setting.Get(Defaults)) ? SettingSource.Default : SettingSource.Code);
        }

        if (_configuration is not null)
        {
            var section = _configuration.GetSection(WorkflowSettings.SectionPath).GetSection(name);
            foreach (var setting in WorkflowSettings.Configuration)
            {
                if (section[setting.Property] is not { } raw)
                {
                    continue;
                }

                var key = $"{WorkflowSettings.SectionPath}:{name}:{setting.Property}";
                Read(sources, options, setting.Property, setting.Parse, raw, new SettingSource(SettingOrigin.Configuration, key, raw));
            }
        }

        var setByEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in WorkflowSettings.Environment)
        {
            var variable = workflow.Variable(setting.Suffix);
            if (_environment.Get(variable) is not { } raw)
            {
                continue;
            }

            if (setByEnvironment.TryGetValue(setting.Property, out var other))
            {
                sources.Errors.Add($"{other} and {variable} both set {setting.Property}; set only one of them.");
                continue;
            }

            setByEnvironment[setting.Property] = variable;
            Read(sources, options, setting.Property, setting.Parse, raw, new SettingSource(SettingOrigin.Environment, variable, raw));
        }

        options.Sources = sources;
    }

    private static void Read(WorkflowSettingSources sources, StatusWorkflowOptions options, string property, SettingParser parse, string raw, SettingSource source)
    {
        if (parse(raw, options) is { } complaint)
        {
            sources.Errors.Add($"{source.Key}={raw} {complaint} (for {property}).");
        }
        else
        {
            sources.Set(property, source);
        }
    }
}
