using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline;
using ScraperSky.Pipeline.Lifecycle;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers pipeline services (long-running services with the seeds' service lifecycle).</summary>
public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TService"/> as a singleton that starts and stops with the host and is reported by
    /// the pipeline health check. Registering the same type again does nothing.
    /// </summary>
    /// <typeparam name="TService">The service.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    public static IServiceCollection AddPipelineService<TService>(this IServiceCollection services)
        where TService : PipelineService
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(PipelineServiceRegistration) && d.ImplementationInstance is PipelineServiceRegistration r && r.ServiceType == typeof(TService)))
        {
            return services;
        }

        services.AddSingleton(new PipelineServiceRegistration(typeof(TService)));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TService>(static sp => ActivatorUtilities.CreateInstance<TService>(sp));
        services.AddSingleton<PipelineService>(static sp => Attached<TService>(sp));
        services.AddSingleton<IHostedService>(static sp => Attached<TService>(sp));
        return services;
    }

    private static TService Attached<TService>(IServiceProvider sp)
        where TService : PipelineService
    {
        // Attached here rather than in the factory above, so that an instance the application registered itself gets the clock and logger too.
        var service = sp.GetRequiredService<TService>();
        service.Attach(sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>());
        return service;
    }
}
