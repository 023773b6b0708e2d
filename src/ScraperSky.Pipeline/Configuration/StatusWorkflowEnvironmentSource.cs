using Microsoft.Extensions.Configuration;

namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// The configuration source of the <c>{PREFIX}_SCHEDULER_{PARAMETER}</c> environment variables; added by
/// <c>AddStatusWorkflowEnvironmentVariables()</c>. See <see cref="StatusWorkflowEnvironmentProvider"/>.
/// </summary>
internal sealed class StatusWorkflowEnvironmentSource : IConfigurationSource
{
    private readonly IReadOnlyDictionary<string, string>? _variables;

    /// <summary>Reads the process's environment.</summary>
    public StatusWorkflowEnvironmentSource()
    {
    }

    /// <summary>
    /// Reads <paramref name="variables"/> instead of the process's environment: tests run in parallel, so none may
    /// change the process's variables.
    /// </summary>
    internal StatusWorkflowEnvironmentSource(IReadOnlyDictionary<string, string> variables) => _variables = variables;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new StatusWorkflowEnvironmentProvider(_variables);
}
