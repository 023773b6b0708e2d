using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Claiming;
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
    /// Describe it on the returned builder; its settings are read from <c>ScraperSky:Workflows:{name}</c> unless
    /// <see cref="StatusWorkflowBuilder{TEntity, TStatus}.BindConfiguration(string)"/> names another section.
    /// </summary>
    /// <typeparam name="TEntity">The entity whose rows move through the statuses.</typeparam>
    /// <typeparam name="TStatus">The CLR type of the status property.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The workflow's unique name: the key of its options and its default job id.</param>
    /// <returns>The workflow's builder, whose methods return it so that calls chain.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="InvalidOperationException">A workflow with that name exists.</exception>
    public static StatusWorkflowBuilder<TEntity, TStatus> AddStatusWorkflow<TEntity, TStatus>(this IServiceCollection services, string name)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        if (services.Any(d => d.ServiceType == typeof(RegisteredName) && d.ImplementationInstance is RegisteredName r && r.Name == name))
        {
            throw new InvalidOperationException($"A status workflow named '{name}' is already registered; workflow names must be unique.");
        }

        var builder = new StatusWorkflowBuilder<TEntity, TStatus>(name, services);
        services.AddSingleton(new RegisteredName(name));

        // The builder is described after this method returns: what it holds is read when the host first asks for it.
        services.AddSingleton(_ => builder.Registration);
        services.AddSingleton(_ => builder.Location());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StatusWorkflow>(sp => new StatusWorkflow<TEntity>(
            builder.Registration,
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>(),
            sp.GetRequiredService<PipelineTelemetry>(),
            sp.GetService<SqlClock>()));

        // Code configures first (the builder's Configure actions); the workflow's configuration section and then the
        // environment section of its prefix (AddStatusWorkflowEnvironmentVariables) are bound after every one of them.
        services.AddOptions<StatusWorkflowOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<StatusWorkflowOptions>, StatusWorkflowOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StatusWorkflowOptions>, StatusWorkflowOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScheduledJobSource, StatusWorkflowJobSource>());
        services.TryAddSingleton<WakeSignals>();
        services.TryAddSingleton<WakeUpStates>();
        services.TryAddSingleton<WakeUpListener>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WakeUpListener>(sp => sp.GetRequiredService<WakeUpListener>()));
        services.TryAddSingleton(sp => new StatusWorkflowScripts(sp.GetServices<StatusWorkflow>(), sp.GetService<ClusterSchemaName>()?.Value));
        services.TryAddSingleton<IStatusWorkflowQueues>(sp => new ScraperSky.Pipeline.Operations.StatusWorkflowQueues(
            sp.GetServices<StatusWorkflowRegistration>(),
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<SqlClock>()));
        services.AddJobScheduler();
        return builder;
    }

    /// <summary>Registers a status workflow and configures its options in code; see <see cref="AddStatusWorkflow{TEntity, TStatus}(IServiceCollection, string)"/>.</summary>
    /// <typeparam name="TEntity">The entity whose rows move through the statuses.</typeparam>
    /// <typeparam name="TStatus">The CLR type of the status property.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The workflow's unique name.</param>
    /// <param name="configureOptions">Sets options in code; the configuration section and environment variables still win.</param>
    /// <returns>The workflow's builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="configureOptions"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A workflow with that name exists.</exception>
    public static StatusWorkflowBuilder<TEntity, TStatus> AddStatusWorkflow<TEntity, TStatus>(this IServiceCollection services, string name, Action<StatusWorkflowOptions> configureOptions)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return services.AddStatusWorkflow<TEntity, TStatus>(name).Configure(configureOptions);
    }

    /// <summary>Registers a status workflow whose settings are read from <paramref name="section"/>; see <see cref="AddStatusWorkflow{TEntity, TStatus}(IServiceCollection, string)"/>.</summary>
    /// <typeparam name="TEntity">The entity whose rows move through the statuses.</typeparam>
    /// <typeparam name="TStatus">The CLR type of the status property.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The workflow's unique name.</param>
    /// <param name="section">The configuration section of the workflow's settings, instead of <c>ScraperSky:Workflows:{name}</c>.</param>
    /// <returns>The workflow's builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="section"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A workflow with that name exists.</exception>
    public static StatusWorkflowBuilder<TEntity, TStatus> AddStatusWorkflow<TEntity, TStatus>(this IServiceCollection services, string name, IConfigurationSection section)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(section);
        return services.AddStatusWorkflow<TEntity, TStatus>(name).BindConfiguration(section);
    }

    /// <summary>Registers the catalog of the host's workflows once; every workflow and job registration calls it.</summary>
    internal static IServiceCollection AddPipelineCatalog(this IServiceCollection services)
    {
        services.AddOptions();
        services.TryAddSingleton<WorkflowJobs>();
        services.TryAddSingleton<IPipelineCatalog>(static sp => new ScraperSky.Pipeline.Operations.PipelineCatalog(
            sp.GetServices<StatusWorkflowRegistration>(),
            sp.GetServices<WorkflowSettingsLocation>(),
            sp.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>(),
            sp.GetRequiredService<WorkflowJobs>(),
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IConfiguration>(),
            sp.GetService<SqlClock>(),
            sp.GetService<WakeUpStates>()));
        return services;
    }

    /// <summary>Marks a registered workflow name, so that a second registration of it fails at once.</summary>
    private sealed record RegisteredName(string Name);
}
