using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Configuration;

namespace ScraperSky.Pipeline;

/// <content>The builder's settings: configuration actions, the configuration section and the environment prefix.</content>
public sealed partial class StatusWorkflowBuilder<TEntity, TStatus>
{
    /// <summary>
    /// Adds a configuration action for the workflow's <see cref="StatusWorkflowOptions"/>. Actions run in order, before the
    /// workflow's configuration section and environment variables are bound (so those win).
    /// </summary>
    /// <param name="configure">The action, as <c>o =&gt; o.Lease.Duration = TimeSpan.FromMinutes(2)</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is null.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> Configure(Action<StatusWorkflowOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(Name, configure);
        return this;
    }

    /// <summary>
    /// Reads the workflow's settings from the section at <paramref name="sectionPath"/> of the host's configuration,
    /// instead of the default <c>ScraperSky:Workflows:{name}</c>. Keys follow the option groups (<c>Lease:Duration</c>).
    /// </summary>
    /// <param name="sectionPath">The section's path, such as <c>Workers:Domains</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="sectionPath"/> is empty or white space.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> BindConfiguration(string sectionPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionPath);
        SectionPath = sectionPath;
        Section = null;
        return this;
    }

    /// <summary>
    /// Reads the workflow's settings from <paramref name="section"/> instead of the default
    /// <c>ScraperSky:Workflows:{name}</c> of the host's configuration. Keys follow the option groups (<c>Lease:Duration</c>).
    /// </summary>
    /// <param name="section">The section.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is null.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> BindConfiguration(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        SectionPath = section.Path;
        Section = section;
        return this;
    }

    /// <summary>
    /// Sets the prefix of the workflow's environment variables, <c>{PREFIX}_SCHEDULER_{PARAMETER}</c> (such as
    /// <c>DOMAIN</c> for <c>DOMAIN_SCHEDULER_BATCH_SIZE</c>); upper-cased. By default it is the workflow's name in upper
    /// snake case (<c>process_pending_domains</c> reads <c>PROCESS_PENDING_DOMAINS_SCHEDULER_BATCH_SIZE</c>). The variables
    /// are read when the host's configuration has them: <c>builder.Configuration.AddStatusWorkflowEnvironmentVariables()</c>.
    /// </summary>
    /// <param name="prefix">Letters, digits and underscores, not starting with a digit.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is empty or has other characters.</exception>
    public StatusWorkflowBuilder<TEntity, TStatus> EnvironmentPrefix(string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (!WorkflowEnvironment.IsValidPrefix(prefix))
        {
            throw new ArgumentException($"Status workflow '{Name}': environment prefix '{prefix}' must be letters, digits and underscores, not starting with a digit.", nameof(prefix));
        }

        EnvironmentPrefixValue = prefix.ToUpperInvariant();
        return this;
    }

    internal string? EnvironmentPrefixValue { get; private set; }

    internal string SectionPath { get; private set; }

    internal IConfigurationSection? Section { get; private set; }

    /// <summary>Where the workflow's settings are read, as set when the host first asks for it.</summary>
    internal WorkflowSettingsLocation Location()
    {
        var prefix = EnvironmentPrefixValue ?? WorkflowEnvironment.PrefixFromName(Name)
            ?? throw new InvalidOperationException($"Status workflow '{Name}' is misconfigured: no environment prefix can be derived from the name; call EnvironmentPrefix(\"…\").");
        return new WorkflowSettingsLocation(Name, SectionPath, prefix) { Section = Section };
    }
}
