using Microsoft.Extensions.Configuration;
using ScraperSky.Pipeline;
using ScraperSky.Pipeline.History;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the pipeline history: per-minute counts and durations of every workflow, and failure groups, kept in the library's schema.</summary>
public static class PipelineHistoryServiceCollectionExtensions
{
    /// <summary>
    /// Records the history of every status workflow of this host (items by outcome, wait and processing times, failures
    /// by normalised message) and adds it to the shared per-minute rows once a minute, so that
    /// <see cref="IPipelineHistory"/> reads it across restarts and hosts. Settings are read from <c>ScraperSky:History</c>.
    /// Needs no web framework; call it once per host, beside <c>AddStatusWorkflow</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddPipelineHistory(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        PipelineHistoryRegistration.Add(services, section: null, configure: null);
        return services;
    }

    /// <summary>Registers the pipeline history and configures it in code; <c>ScraperSky:History</c> still wins. See <see cref="AddPipelineHistory(IServiceCollection)"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options in code.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddPipelineHistory(this IServiceCollection services, Action<PipelineHistoryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        PipelineHistoryRegistration.Add(services, section: null, configure);
        return services;
    }

    /// <summary>Registers the pipeline history with its settings read from <paramref name="section"/>. See <see cref="AddPipelineHistory(IServiceCollection)"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The configuration section of the history's settings, instead of <c>ScraperSky:History</c>.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="section"/> is null.</exception>
    public static IServiceCollection AddPipelineHistory(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        PipelineHistoryRegistration.Add(services, section, configure: null);
        return services;
    }
}
