using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScraperSky.Pipeline;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Cluster;
using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.Scheduling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the services that coordinate the hosts sharing one database: <see cref="IPipelineCluster"/> and its schema.</summary>
public static class PipelineClusterServiceCollectionExtensions
{
    /// <summary>
    /// Adds the cluster services on the database of <paramref name="connectionString"/>: host heartbeats, cluster-wide
    /// pause (<see cref="IPipelineCluster"/>), once-per-cluster jobs (<see cref="ScheduledJobOptions.OncePerCluster"/>) and
    /// cluster-wide limits of status workflows (<see cref="StatusWorkflowScheduleOptions.MaxHostsAtOnce"/>), with the
    /// default settings of <see cref="PipelineClusterOptions"/>. The schema is created at start-up.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">The Npgsql connection string of the database the hosts share (a transaction-mode pooler is fine).</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    /// <exception cref="InvalidOperationException">The cluster services are added already.</exception>
    public static IServiceCollection AddPipelineCluster(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return services.AddPipelineCluster(o => o.ConnectionString = connectionString);
    }

    /// <summary>
    /// Adds the cluster services (see <see cref="AddPipelineCluster(IServiceCollection, string)"/>) on the database of
    /// the first registered status workflow's <c>DbContext</c>, with the default settings.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="InvalidOperationException">The cluster services are added already.</exception>
    public static IServiceCollection AddPipelineCluster(this IServiceCollection services)
        => services.AddPipelineCluster(static _ => { });

    /// <summary>
    /// Adds the cluster services (see <see cref="AddPipelineCluster(IServiceCollection, string)"/>) with the settings
    /// <paramref name="configure"/> makes; without <see cref="PipelineClusterOptions.ConnectionString"/>, on the database
    /// of the first registered status workflow's <c>DbContext</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the cluster's settings.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    /// <exception cref="InvalidOperationException">The cluster services are added already.</exception>
    public static IServiceCollection AddPipelineCluster(this IServiceCollection services, Action<PipelineClusterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(PipelineClusterOptions)))
        {
            throw new InvalidOperationException("Pipeline cluster: AddPipelineCluster is called twice; call it once per host.");
        }

        var options = new PipelineClusterOptions();
        configure(options);
        Validate(options);

        services.AddSingleton(options);
        services.AddSingleton(new ClusterSchemaName(options.Schema));
        services.TryAddSingleton<ClusterHostIdentity>();
        services.TryAddSingleton(sp => new ClusterStore(options, () => ConnectionString(sp, options), sp.GetService<SqlClock>()));
        services.TryAddSingleton<ClusterPauses>();
        services.TryAddSingleton<IJobRunGate, ClusterRunGate>();
        services.TryAddSingleton<IPipelineCluster, PipelineCluster>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScheduledJobSource, ClusterJobSource>());
        services.TryAddSingleton(sp => new StatusWorkflowScripts(sp.GetServices<StatusWorkflow>(), options.Schema));
        return services.AddJobScheduler();
    }

    private static void Validate(PipelineClusterOptions o)
    {
        var problems = new List<string>();
        void Check(bool ok, string setting, object? value, string rule)
        {
            if (!ok)
            {
                problems.Add($"{setting} {rule} (was {value ?? "null"}).");
            }
        }

        Check(o.ConnectionString is null || !string.IsNullOrWhiteSpace(o.ConnectionString), nameof(o.ConnectionString), "(set)", "must not be empty or white space when set");
        Check(!string.IsNullOrWhiteSpace(o.Schema), nameof(o.Schema), o.Schema, "must not be empty or white space");
        Check(o.HeartbeatInterval >= TimeSpan.FromSeconds(1) && o.HeartbeatInterval <= TimeSpan.FromHours(1), nameof(o.HeartbeatInterval), o.HeartbeatInterval, "must be at least one second and at most one hour");
        Check(o.PauseCheckInterval >= TimeSpan.FromSeconds(1) && o.PauseCheckInterval <= TimeSpan.FromHours(1), nameof(o.PauseCheckInterval), o.PauseCheckInterval, "must be at least one second and at most one hour");
        Check(o.SlotLeaseDuration >= TimeSpan.FromSeconds(3) && o.SlotLeaseDuration <= TimeSpan.FromDays(1), nameof(o.SlotLeaseDuration), o.SlotLeaseDuration, "must be at least three seconds and at most one day");
        Check(o.RunKeyRetention >= TimeSpan.FromHours(1), nameof(o.RunKeyRetention), o.RunKeyRetention, "must be at least one hour");
        if (problems.Count > 0)
        {
            throw new ArgumentException("Pipeline cluster: " + string.Join(" ", problems), "configure");
        }
    }

    private static string ConnectionString(IServiceProvider services, PipelineClusterOptions options)
    {
        if (options.ConnectionString is { } connectionString)
        {
            return connectionString;
        }

        var workflow = services.GetServices<StatusWorkflow>().FirstOrDefault()
            ?? throw new InvalidOperationException(
                "Pipeline cluster: no connection string. Pass one to AddPipelineCluster(connectionString) (a host with scheduled jobs only has no workflow DbContext to take it from).");
        using var scope = services.CreateScope();
        var db = (DbContext)scope.ServiceProvider.GetRequiredService(workflow.Registration.ContextType);
        return db.Database.GetConnectionString()
            ?? throw new InvalidOperationException($"Pipeline cluster: no connection string, and status workflow '{workflow.Name}''s DbContext has none. Pass one to AddPipelineCluster(connectionString).");
    }
}
