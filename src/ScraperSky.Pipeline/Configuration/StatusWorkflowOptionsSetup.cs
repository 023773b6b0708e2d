using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Binds each workflow's configuration section, then the environment section of its prefix, over what code configured
/// (the environment wins). Runs after every <c>Configure</c> action. Values the binder cannot convert are
/// left out, not thrown, so that the validator reports them together with every other problem.
/// </summary>
internal sealed class StatusWorkflowOptionsSetup : IPostConfigureOptions<StatusWorkflowOptions>
{
    private readonly Dictionary<string, WorkflowSettingsLocation> _workflows;
    private readonly IConfiguration? _configuration;

    public StatusWorkflowOptionsSetup(IEnumerable<WorkflowSettingsLocation> workflows, IConfiguration? configuration = null)
    {
        // A group named like a workflow (an error the validator reports) must not stop binding: the workflow's location wins.
        _workflows = workflows.OrderBy(w => w.IsGroup).DistinctBy(w => w.Workflow, StringComparer.Ordinal).ToDictionary(w => w.Workflow, StringComparer.Ordinal);
        _configuration = configuration;
    }

    public void PostConfigure(string? name, StatusWorkflowOptions options)
    {
        if (name is not null && _workflows.TryGetValue(name, out var location) && (_configuration ?? location.Section) is { } configuration)
        {
            new WorkflowConfiguration(configuration, location).Bind(options);
        }
    }
}
