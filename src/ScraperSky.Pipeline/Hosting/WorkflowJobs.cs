using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Hosting;

/// <summary>
/// The one place that says which scheduler job runs a workflow, and on which schedule: its own job
/// (<c>Schedule:JobId</c>, default its name), or for a member of a workflow group the group's job and schedule. The job
/// source schedules by it; the catalog reads <see cref="JobIdOf(string)"/> and <see cref="ScheduleOf"/> (its <c>Cron</c>,
/// <c>Interval</c>) for <c>StatusWorkflowInfo</c>. Read after start-up validation (the options are valid then).
/// </summary>
internal sealed class WorkflowJobs
{
    private readonly IOptionsMonitor<StatusWorkflowOptions> _options;
    private readonly Dictionary<string, StatusWorkflowGroupRegistration> _groupOf = new(StringComparer.Ordinal);

    public WorkflowJobs(IEnumerable<StatusWorkflowGroupRegistration> groups, IOptionsMonitor<StatusWorkflowOptions> options)
    {
        _options = options;
        Groups = groups.ToList();
        foreach (var group in Groups)
        {
            foreach (var member in group.Members)
            {
                _groupOf.TryAdd(member, group);
            }
        }
    }

    /// <summary>Gets the registered workflow groups, in registration order.</summary>
    public IReadOnlyList<StatusWorkflowGroupRegistration> Groups { get; }

    /// <summary>The group <paramref name="workflow"/> runs in, or <see langword="null"/>.</summary>
    public StatusWorkflowGroupRegistration? GroupOf(string workflow) => _groupOf.GetValueOrDefault(workflow);

    /// <summary>The job id of a group: its <c>Schedule:JobId</c>, default its id.</summary>
    public string JobIdOf(StatusWorkflowGroupRegistration group) => _options.Get(group.Id).Schedule.JobId ?? group.Id;

    /// <summary>The id of the scheduler job that runs <paramref name="workflow"/>: its group's, or its own.</summary>
    public string JobIdOf(string workflow)
        => GroupOf(workflow) is { } group ? JobIdOf(group) : _options.Get(workflow).Schedule.JobId ?? workflow;

    /// <summary>The schedule <paramref name="workflow"/> runs on: its group's, or its own (<c>Cron</c> is its effective cron expression).</summary>
    public StatusWorkflowScheduleOptions ScheduleOf(string workflow)
        => _options.Get(GroupOf(workflow)?.Id ?? workflow).Schedule;

    /// <summary>The effective cron expression of <paramref name="workflow"/>, or <see langword="null"/> when it runs on an interval.</summary>
    public string? CronOf(string workflow) => ScheduleOf(workflow).Cron is { } cron && !string.IsNullOrWhiteSpace(cron) ? cron.Trim() : null;
}
