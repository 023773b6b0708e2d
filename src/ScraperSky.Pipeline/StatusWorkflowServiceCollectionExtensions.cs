using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.Processing;
using ScraperSky.Pipeline.Scheduling;
using ScraperSky.Pipeline.WakeUp;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers status workflows.</summary>
public static class StatusWorkflowServiceCollectionExtensions
{
    /// <summary>
    /// Registers a status workflow: rows of <typeparamref name="TEntity"/> whose status is the queued value are
    /// claimed, processed by the processor and marked completed or error, by a job on the host's shared scheduler.
    /// </summary>
    /// <typeparam name="TEntity">The entity whose rows move through the statuses.</typeparam>
    /// <typeparam name="TStatus">The CLR type of the status property.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The workflow's unique name: the key of its options and its default job id.</param>
    /// <param name="configure">Describes the workflow; see <see cref="StatusWorkflowBuilder{TEntity, TStatus}"/>.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, a status value is invalid, or no environment prefix can be derived from the name.</exception>
    /// <exception cref="InvalidOperationException">A workflow with that name exists, or a required part is missing.</exception>
    public static IServiceCollection AddStatusWorkflow<TEntity, TStatus>(this IServiceCollection services, string name, Action<StatusWorkflowBuilder<TEntity, TStatus>> configure)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        if (services.Any(d => d.ServiceType == typeof(StatusWorkflowRegistration) && d.ImplementationInstance is StatusWorkflowRegistration r && r.Name == name))
        {
            throw new InvalidOperationException($"A status workflow named '{name}' is already registered; workflow names must be unique.");
        }

        var builder = new StatusWorkflowBuilder<TEntity, TStatus>(name, services);
        configure(builder);
        var registration = builder.Build();

        var prefix = builder.EnvironmentPrefixValue ?? WorkflowEnvironment.PrefixFromName(name)
            ?? throw new ArgumentException($"Status workflow '{name}': no environment prefix can be derived from the name; call EnvironmentPrefix(\"…\").", nameof(name));

        services.AddSingleton(registration);
        services.AddSingleton(new WorkflowSettingsLocation(name, WorkflowSettingsLocation.DefaultSectionPath(name), prefix));
        services.TryAdd(ServiceDescriptor.Scoped(registration.ProcessorType, registration.ProcessorType));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StatusWorkflow>(sp => new StatusWorkflow<TEntity>(
            registration,
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>(),
            sp.GetRequiredService<PipelineTelemetry>(),
            sp.GetService<SqlClock>()));

        // Code configures first; the workflow's configuration section and then the environment section of its prefix
        // (AddStatusWorkflowEnvironmentVariables) are bound after every Configure action.
        var options = services.AddOptions<StatusWorkflowOptions>(name);
        foreach (var action in builder.OptionActions)
        {
            options.Configure(action);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<StatusWorkflowOptions>, StatusWorkflowOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StatusWorkflowOptions>, StatusWorkflowOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScheduledJobSource, StatusWorkflowJobSource>());
        services.TryAddSingleton<WakeSignals>();
        services.TryAddSingleton<WakeUpListener>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WakeUpListener>(sp => sp.GetRequiredService<WakeUpListener>()));
        services.TryAddSingleton(sp => new StatusWorkflowScripts(sp.GetServices<StatusWorkflow>()));
        return services.AddJobScheduler();
    }
}
