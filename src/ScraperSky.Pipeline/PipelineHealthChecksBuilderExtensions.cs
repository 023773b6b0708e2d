using Microsoft.Extensions.Diagnostics.HealthChecks;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Scheduling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the pipeline's health check.</summary>
public static class PipelineHealthChecksBuilderExtensions
{
    /// <summary>The default name of the pipeline health check.</summary>
    public const string DefaultName = "scrapersky-pipeline";

    /// <summary>
    /// Adds one health check reporting every scheduled job (status workflows and scheduled services included), with its
    /// state, last result, consecutive failures and next run in its data: unhealthy when a job is backing off after
    /// repeated failures (a database that is down) or has stopped after them (<see cref="ScraperSky.Pipeline.ScheduledJobState.Faulted"/>),
    /// degraded when a job failed lately or is paused.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags for filtering the check, or <see langword="null"/>.</param>
    /// <returns>The builder, so that calls can be chained.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static IHealthChecksBuilder AddPipelineHealthCheck(this IHealthChecksBuilder builder, string name = DefaultName, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(name, static sp => new PipelineHealthCheck(sp), failureStatus: null, tags));
    }
}
