using Microsoft.Extensions.Configuration;
using ScraperSky.Pipeline.Configuration;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>An environment of a test's own: tests run in parallel, so none may change the process's variables.</summary>
internal static class TestEnvironment
{
    /// <summary>Adds the seeds' <c>*_SCHEDULER_*</c> variables as <c>AddStatusWorkflowEnvironmentVariables()</c> does, read from <paramref name="variables"/>.</summary>
    public static IConfigurationBuilder AddStatusWorkflowEnvironmentVariables(this IConfigurationBuilder builder, IReadOnlyDictionary<string, string> variables)
        => builder.Add(new StatusWorkflowEnvironmentSource(variables));
}
