using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers groups of status workflows that run as one job.</summary>
public static class StatusWorkflowGroupServiceCollectionExtensions
{
    /// <summary>
    /// Runs several status workflows as one job on the host's shared scheduler, such as ScraperSky's
    /// <c>process_pending_jobs</c>: one run of the group's job runs each member's loop in turn, in the order given here;
    /// a member that fails does not stop the others (the run then fails with an <see cref="AggregateException"/> naming
    /// them), and the run's <see cref="JobRunResult.ItemsByWorkflow"/> counts each member's rows. The group has one set of
    /// schedule settings: <paramref name="configureSchedule"/>, then the section <c>ScraperSky:Workflows:{groupId}</c>
    /// (<c>Schedule:*</c> and <c>Enabled</c>), then the variables <c>{PREFIX}_SCHEDULER_*</c> with the group id's prefix
    /// (<c>process_pending_jobs</c> → <c>PROCESS_PENDING_JOBS_SCHEDULER_INTERVAL_SECONDS</c>). Members keep their own batch,
    /// lease and retry settings and their lease rescuers (<c>{workflow}:rescue</c>); a member's own <c>Schedule</c>
    /// settings are an error at start-up, and a member's wake-up wakes the group's job.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="groupId">The group's id: its job id (unless its <c>Schedule:JobId</c> is set) and the name of its settings; not a workflow's name.</param>
    /// <param name="members">The member workflows' names, registered with <c>AddStatusWorkflow</c> (before or after this call).</param>
    /// <param name="configureSchedule">Sets the group's schedule in code; configuration and environment variables still win.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="groupId"/> is empty or has no letter or digit, <paramref name="members"/> is empty, or names a workflow twice.
    /// </exception>
    /// <exception cref="InvalidOperationException">A group with that id is registered, or a member is in another group already.</exception>
    public static IServiceCollection AddStatusWorkflowGroup(this IServiceCollection services, string groupId, IEnumerable<string> members, Action<StatusWorkflowScheduleOptions> configureSchedule)
        => services.AddGroup(groupId, members, environmentPrefix: null, configureSchedule);

    /// <summary>
    /// Runs several status workflows as one job, reading the group's <c>{PREFIX}_SCHEDULER_*</c> variables with
    /// <paramref name="environmentPrefix"/> instead of the group id's: see
    /// <see cref="AddStatusWorkflowGroup(IServiceCollection, string, IEnumerable{string}, Action{StatusWorkflowScheduleOptions})"/>.
    /// The members may share the prefix (ScraperSky's <c>process_pending_jobs</c> reads <c>SITEMAP_SCHEDULER_*</c> for
    /// both of its halves): then the prefix's schedule variables (<c>INTERVAL_SECONDS</c>, <c>CRON</c>, …) and
    /// <c>ENABLED</c> set the group, and its other variables (<c>BATCH_SIZE</c>, <c>LEASE_SECONDS</c>, …) set each member
    /// that shares it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="groupId">The group's id: its job id (unless its <c>Schedule:JobId</c> is set) and the name of its settings; not a workflow's name.</param>
    /// <param name="members">The member workflows' names, in run order.</param>
    /// <param name="environmentPrefix">The prefix of the group's variables: letters, digits and underscores, not starting with a digit.</param>
    /// <param name="configureSchedule">Sets the group's schedule in code; configuration and environment variables still win.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="groupId"/> is empty or has no letter or digit, <paramref name="environmentPrefix"/> is not a valid
    /// prefix, <paramref name="members"/> is empty, or names a workflow twice.
    /// </exception>
    /// <exception cref="InvalidOperationException">A group with that id is registered, or a member is in another group already.</exception>
    public static IServiceCollection AddStatusWorkflowGroup(this IServiceCollection services, string groupId, IEnumerable<string> members, string environmentPrefix, Action<StatusWorkflowScheduleOptions> configureSchedule)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(environmentPrefix);
        if (!WorkflowEnvironment.IsValidPrefix(environmentPrefix))
        {
            throw new ArgumentException($"Status workflow group '{groupId}': environment prefix '{environmentPrefix}' must be letters, digits and underscores, not starting with a digit.", nameof(environmentPrefix));
        }

        return services.AddGroup(groupId, members, environmentPrefix.ToUpperInvariant(), configureSchedule);
    }

    private static IServiceCollection AddGroup(this IServiceCollection services, string groupId, IEnumerable<string> members, string? environmentPrefix, Action<StatusWorkflowScheduleOptions> configureSchedule)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(configureSchedule);
        var names = members.ToList();
        if (names.Count == 0 || names.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Status workflow group '{groupId}' needs at least one member, each a workflow's name.", nameof(members));
        }

        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Status workflow group '{groupId}' names member '{twice.Key}' twice.", nameof(members));
        }

        var prefix = environmentPrefix ?? WorkflowEnvironment.PrefixFromName(groupId)
            ?? throw new ArgumentException($"Status workflow group '{groupId}': the id needs a letter or digit, for its environment prefix.", nameof(groupId));
        var groups = services.Select(d => d.ImplementationInstance).OfType<StatusWorkflowGroupRegistration>().ToList();
        if (groups.Any(g => g.Id == groupId))
        {
            throw new InvalidOperationException($"A status workflow group '{groupId}' is already registered; group ids must be unique.");
        }

        foreach (var other in groups)
        {
            if (other.Members.FirstOrDefault(names.Contains) is { } shared)
            {
                throw new InvalidOperationException(
                    $"Status workflow group '{groupId}': workflow '{shared}' is a member of group '{other.Id}' already; a workflow runs in one group at most.");
            }
        }

        services.AddSingleton(new StatusWorkflowGroupRegistration(groupId, names));
        services.AddSingleton(new WorkflowSettingsLocation(groupId, WorkflowSettingsLocation.DefaultSectionPath(groupId), prefix) { IsGroup = true });
        services.AddOptions<StatusWorkflowOptions>(groupId).Configure(o => configureSchedule(o.Schedule)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<StatusWorkflowOptions>, StatusWorkflowOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StatusWorkflowOptions>, StatusWorkflowOptionsValidator>());
        services.TryAddSingleton<WorkflowJobs>();
        return services;
    }

    /// <summary>Runs several status workflows as one job with the default schedule; see <see cref="AddStatusWorkflowGroup(IServiceCollection, string, IEnumerable{string}, Action{StatusWorkflowScheduleOptions})"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="groupId">The group's id.</param>
    /// <param name="members">The member workflows' names, in run order.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="groupId"/> is empty, or <paramref name="members"/> is empty or names a workflow twice.</exception>
    /// <exception cref="InvalidOperationException">A group with that id is registered, or a member is in another group already.</exception>
    public static IServiceCollection AddStatusWorkflowGroup(this IServiceCollection services, string groupId, params string[] members)
        => services.AddStatusWorkflowGroup(groupId, members, static _ => { });
}
