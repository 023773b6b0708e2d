using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ScraperSky.Pipeline;
using ScraperSky.Pipeline.Scheduling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers jobs on the host's shared scheduler.</summary>
public static class ScheduledJobServiceCollectionExtensions
{
    /// <summary>
    /// Adds a job that runs <typeparamref name="TJob"/> on an interval on the host's shared scheduler (started and
    /// stopped with the host); the job is resolved from a scope of its own for every run.
    /// </summary>
    /// <typeparam name="TJob">The job; registered as scoped unless already registered.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="jobId">The job's unique id, such as <c>process_pending_domains</c>.</param>
    /// <param name="configure">Sets the job's schedule.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty, or a setting is out of range.</exception>
    /// <exception cref="InvalidOperationException">A job with that id is registered and <see cref="ScheduledJobOptions.ReplaceExisting"/> is off.</exception>
    public static IServiceCollection AddScheduledJob<TJob>(this IServiceCollection services, string jobId, Action<ScheduledJobOptions> configure)
        where TJob : class, IScheduledJob
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddScoped<TJob>();
        return AddScheduledJobCore(services, jobId, static context => context.Services.GetRequiredService<TJob>().ExecuteAsync(context), configure);
    }

    /// <summary>Adds a job that runs a delegate on an interval on the host's shared scheduler (started and stopped with the host).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="jobId">The job's unique id.</param>
    /// <param name="execute">Runs the job once and returns the number of items it processed; its context holds the run's scoped services.</param>
    /// <param name="configure">Sets the job's schedule.</param>
    /// <returns>The service collection, so that calls can be chained.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty, or a setting is out of range.</exception>
    /// <exception cref="InvalidOperationException">A job with that id is registered and <see cref="ScheduledJobOptions.ReplaceExisting"/> is off.</exception>
    public static IServiceCollection AddScheduledJob(this IServiceCollection services, string jobId, Func<ScheduledJobContext, Task<int>> execute, Action<ScheduledJobOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(execute);
        return AddScheduledJobCore(services, jobId, execute, configure);
    }

    /// <summary>Registers the shared scheduler and its hosted service once; every job and workflow registration calls it.</summary>
    internal static IServiceCollection AddJobScheduler(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JobScheduler>();
        services.TryAddSingleton<IJobScheduler>(static sp => sp.GetRequiredService<JobScheduler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JobSchedulerHostedService>());
        return services;
    }

    private static IServiceCollection AddScheduledJobCore(IServiceCollection services, string jobId, Func<ScheduledJobContext, Task<int>> execute, Action<ScheduledJobOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        ArgumentNullException.ThrowIfNull(configure);

        var options = new ScheduledJobOptions();
        configure(options);
        var schedule = JobSchedule.From(options);
        var problems = ScheduleRules.Check(schedule).Select(p => $"{p.Setting} {p.Rule} (was {p.Value}).").ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Scheduled job '{jobId}': {string.Join(" ", problems)}", nameof(configure));
        }

        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(ScheduledJobRegistration)
            && d.ImplementationInstance is ScheduledJobRegistration r && r.JobId == jobId);
        if (existing is not null)
        {
            if (!options.ReplaceExisting)
            {
                throw new InvalidOperationException($"A scheduled job with id '{jobId}' is already registered. Set ReplaceExisting = true to replace it, or choose another id.");
            }

            services.Remove(existing);
        }

        services.AddSingleton(new ScheduledJobRegistration(jobId, schedule, execute));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScheduledJobSource, RegisteredJobSource>());
        return services.AddJobScheduler();
    }
}
