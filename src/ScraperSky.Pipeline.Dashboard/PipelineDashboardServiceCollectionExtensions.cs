using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Dashboard;
using ScraperSky.Pipeline.Dashboard.Access;
using ScraperSky.Pipeline.Dashboard.Actions;
using ScraperSky.Pipeline.Dashboard.Live;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the pipeline dashboard's services; map its pages with <c>app.MapPipelineDashboard("/pipeline")</c>.</summary>
public static class PipelineDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Adds the dashboard: its one sampler, the scheduler-event tracker, bulk operations and antiforgery. The pages read
    /// <see cref="ScraperSky.Pipeline.IPipelineCatalog"/>, <see cref="ScraperSky.Pipeline.IStatusWorkflowQueues"/>,
    /// <see cref="ScraperSky.Pipeline.IPipelineCluster"/> and <see cref="ScraperSky.Pipeline.IJobScheduler"/> when they are
    /// registered and say on the page what they leave out when one is not.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options, or <see langword="null"/>.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddPipelineDashboard(this IServiceCollection services, Action<PipelineDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<PipelineDashboardOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelineDashboardOptions>, PipelineDashboardOptionsValidator>());
        options.ValidateOnStart();
        services.AddAntiforgery();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DashboardAccess>();
        services.TryAddSingleton<DashboardSampler>();
        services.TryAddSingleton<BulkOperations>();
        if (!services.Any(d => d.ServiceType == typeof(JobEventTracker)))
        {
            services.AddSingleton<JobEventTracker>();
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<JobEventTracker>());
        }

        return services;
    }
}
