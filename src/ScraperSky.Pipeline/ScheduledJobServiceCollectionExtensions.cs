using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ScraperSky.Pipeline;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Lifecycle;
using ScraperSky.Pipeline.Scheduling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers jobs and scheduled services on the host's shared scheduler.</summary>
public static class ScheduledJobServiceCollectionExtensions
{
    /// <summary>
    /// Adds a job that runs <typeparamref name="TJob"/> on an interval on the host's shared scheduler (started and
    /// stopped with the host); the job is resolved from a scope of its own for every run.
    /// </summary>
    /// <typeparam name="TJob">The job; registered as scoped unless already registered.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="jobId">The job's unique id, such as <c>process_pending_domains</c>.</param>
    /// <param name="configure">Sets the job's schedule and failure policy.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty, or a setting is out of range.</exception>
    /// <exception cref="InvalidOperationException">A job with that id is registered and <see cref="ScheduledJobOptions.ReplaceExisting"/> is off.</exception>
    public static IServiceCollection AddScheduledJob<TJob>(this IServiceCollection services, string jobId, Action<ScheduledJobOptions> configure)
        where TJob : class, IScheduledJob
    {
        ArgumentNullException.ThrowIfNull(services);
        var schedule = Validated("Scheduled job", jobId, configure, out var replace);
        services.TryAddScoped<TJob>();
        return AddScheduledJobCore(services, jobId, schedule, replace, static context => context.Services.GetRequiredService<TJob>().ExecuteAsync(context));
    }

    /// <summary>Adds a job that runs a delegate on an interval on the host's shared scheduler (started and stopped with the host).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="jobId">The job's unique id.</param>
    /// <param name="execute">Runs the job once and returns the number of items it processed; its context holds the run's scoped services.</param>
    /// <param name="configure">Sets the job's schedule and failure policy.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty, or a setting is out of range.</exception>
    /// <exception cref="InvalidOperationException">A job with that id is registered and <see cref="ScheduledJobOptions.ReplaceExisting"/> is off.</exception>
    public static IServiceCollection AddScheduledJob(this IServiceCollection services, string jobId, Func<ScheduledJobContext, Task<int>> execute, Action<ScheduledJobOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(execute);
        var schedule = Validated("Scheduled job", jobId, configure, out var replace);
        return AddScheduledJobCore(services, jobId, schedule, replace, execute);
    }

    /// <summary>
    /// Adds <typeparamref name="TService"/> as a singleton that runs as the job <paramref name="jobId"/> on the host's shared
    /// scheduler: configured once when the host starts, updated on the job's interval, cleaned up once when it stops.
    /// For the <c>AbstractService</c> contract of ScraperSky's Python services (stop after repeated failures) set
    /// <see cref="ScheduledJobOptions.OnRepeatedFailure"/> to <see cref="RepeatedFailureAction.Stop"/>.
    /// </summary>
    /// <typeparam name="TService">The service; registered as a singleton unless already registered.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="jobId">The service's unique job id, also its name in logs and the health check.</param>
    /// <param name="configure">Sets the service's interval and failure policy.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty, or a setting is out of range.</exception>
    /// <exception cref="InvalidOperationException">
    /// A job with that id is registered and <see cref="ScheduledJobOptions.ReplaceExisting"/> is off, or the service type
    /// already runs as another job (one instance cannot be two jobs).
    /// </exception>
    public static IServiceCollection AddScheduledService<TService>(this IServiceCollection services, string jobId, Action<ScheduledJobOptions> configure)
        where TService : ScheduledService
    {
        ArgumentNullException.ThrowIfNull(services);
        var schedule = Validated("Scheduled service", jobId, configure, out var replace);
        var sameType = services.Select(d => d.ImplementationInstance).OfType<ScheduledServiceRegistration>()
            .FirstOrDefault(r => r.ServiceType == typeof(TService) && r.JobId != jobId);
        if (sameType is not null)
        {
            throw new InvalidOperationException(
                $"Scheduled service '{jobId}': {typeof(TService).Name} already runs as job '{sameType.JobId}'; one service instance runs as one job.");
        }

        RemoveExisting(services, jobId, replace);
        services.TryAddSingleton<TService>();
        services.AddSingleton(new ScheduledServiceRegistration(jobId, schedule, typeof(TService)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScheduledJobSource, ScheduledServiceJobSource>());
        return services.AddJobScheduler();
    }

    /// <summary>Registers the shared scheduler and its hosted service once; every job and workflow registration calls it.</summary>
    internal static IServiceCollection AddJobScheduler(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<PipelineTelemetry>();
        services.TryAddSingleton<JobScheduler>();
        services.TryAddSingleton<IJobScheduler>(static sp => sp.GetRequiredService<JobScheduler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JobSchedulerHostedService>());
        services.AddPipelineCatalog();
        return services;
    }

    private static IServiceCollection AddScheduledJobCore(IServiceCollection services, string jobId, JobSchedule schedule, bool replace, Func<ScheduledJobContext, Task<int>> execute)
    {
        RemoveExisting(services, jobId, replace);
        services.AddSingleton(new ScheduledJobRegistration(jobId, schedule, execute));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScheduledJobSource, RegisteredJobSource>());
        return services.AddJobScheduler();
    }

    /// <summary>
    /// Runs <paramref name="configure"/> on fresh options and checks them at once: options given in code are an argument
    /// of this call, so a mistake throws <see cref="ArgumentException"/> at the registration line (configuration-bound
    /// workflow options are checked at start-up instead, with <c>OptionsValidationException</c>).
    /// </summary>
    private static JobSchedule Validated(string kind, string jobId, Action<ScheduledJobOptions> configure, out bool replaceExisting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ScheduledJobOptions();
        configure(options);
        var schedule = JobSchedule.From(options);
        var problems = ScheduleRules.Check(schedule).Select(p => $"{p.Setting} {p.Rule} (was {p.Value}).").ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"{kind} '{jobId}': {string.Join(" ", problems)}", nameof(configure));
        }

        replaceExisting = options.ReplaceExisting;
        return schedule;
    }

    /// <summary>Removes the job or service registered with <paramref name="jobId"/>, or throws when replacing is not asked for.</summary>
    private static void RemoveExisting(IServiceCollection services, string jobId, bool replace)
    {
        var existing = services.FirstOrDefault(d => d.ImplementationInstance is ScheduledJobRegistration job && job.JobId == jobId
            || d.ImplementationInstance is ScheduledServiceRegistration service && service.JobId == jobId);
        if (existing is null)
        {
            return;
        }

        if (!replace)
        {
            throw new InvalidOperationException($"A scheduled job with id '{jobId}' is already registered. Set ReplaceExisting = true to replace it, or choose another id.");
        }

        services.Remove(existing);
    }
}
