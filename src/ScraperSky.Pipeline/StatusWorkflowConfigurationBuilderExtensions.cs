using ScraperSky.Pipeline.Configuration;

namespace Microsoft.Extensions.Configuration;

/// <summary>Adds the status workflows' <c>{PREFIX}_SCHEDULER_{PARAMETER}</c> environment variables to a configuration.</summary>
public static class StatusWorkflowConfigurationBuilderExtensions
{
    /// <summary>
    /// Adds the environment variables <c>{PREFIX}_SCHEDULER_{PARAMETER}</c> (such as <c>DOMAIN_SCHEDULER_BATCH_SIZE=20</c>
    /// or <c>DOMAIN_SCHEDULER_INTERVAL_SECONDS=30</c>) as a configuration source. Each status workflow reads the variables
    /// of its environment prefix, and they win over its configuration section, wherever in the builder this source is
    /// added. A value that does not fit its unit stops start-up with a message naming the variable; a variable no
    /// workflow reads is logged as a warning.
    /// </summary>
    /// <param name="builder">The configuration builder, such as a host builder's <c>Configuration</c>.</param>
    /// <returns>The configuration builder, so that calls can be chained.</returns>
    public static IConfigurationBuilder AddStatusWorkflowEnvironmentVariables(this IConfigurationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new StatusWorkflowEnvironmentSource());
    }
}
