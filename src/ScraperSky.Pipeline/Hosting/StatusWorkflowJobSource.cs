using ScraperSky.Pipeline.Claiming;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Maintenance;
using ScraperSky.Pipeline.Scheduling;
using ScraperSky.Pipeline.WakeUp;

namespace ScraperSky.Pipeline.Hosting;

/// <summary>
/// Turns every registered status workflow into a job on the shared scheduler (the members of a workflow group into
/// one job of the group's, <see cref="WorkflowGroupRun"/>; <see cref="WorkflowJobs"/> says which). Before any job is scheduled it resolves
/// every workflow from the EF Core model and checks the enabled ones against the database (a misconfigured workflow
/// stops start-up; an unreachable database defers the check to the first run), warns about environment variables and
/// configuration keys no workflow reads, and logs each workflow's effective settings and where each came from.
/// </summary>
internal sealed class StatusWorkflowJobSource : IScheduledJobSource
{
    private readonly IReadOnlyList<StatusWorkflow> _workflows;
    private readonly IOptionsMonitor<StatusWorkflowOptions> _options;
    private readonly IReadOnlyList<WorkflowSettingsLocation> _locations;
    private readonly IConfiguration? _configuration;
    private readonly JobScheduler _scheduler;
    private readonly WakeSignals _wakeSignals;
    private readonly WorkflowJobs _jobs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public StatusWorkflowJobSource(
        IEnumerable<StatusWorkflow> workflows,
        IOptionsMonitor<StatusWorkflowOptions> options,
        IEnumerable<WorkflowSettingsLocation> locations,
        JobScheduler scheduler,
        WakeSignals wakeSignals,
        WorkflowJobs jobs,
        TimeProvider time,
        ILogger<StatusWorkflowJobSource> logger,
        IConfiguration? configuration = null)
    {
        _time = time;
        _scheduler = scheduler;
        _wakeSignals = wakeSignals;
        _jobs = jobs;
        _workflows = workflows.ToList();
        _options = options;
        _locations = locations.ToList();
        _configuration = configuration;
        _logger = logger;
    }

    public async Task<IReadOnlyList<JobDefinition>> PrepareAsync(CancellationToken cancellationToken)
    {
        foreach (var workflow in _workflows)
        {
            workflow.Resolve();
        }

        foreach (var workflow in _workflows.Where(w => _options.Get(w.Name).Enabled))
        {
            try
            {
                await workflow.CheckSchemaAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (SchemaCheck.IsUnreachable(ex))
            {
                // The host stays up without its database; the check runs again before the first claim.
                Log.SchemaCheckDeferred(_logger, ex, workflow.Name);
            }
        }

        AuditEnvironment();

        var jobs = new List<JobDefinition>();
        var members = _jobs.Groups.ToDictionary(g => g.Id, _ => new List<WorkflowGroupRun.GroupMember>(), StringComparer.Ordinal);
        foreach (var workflow in _workflows)
        {
            var options = _options.Get(workflow.Name);
            LogSettings(workflow.Name, options);
            var group = _jobs.GroupOf(workflow.Name);
            if (!options.Enabled || (group is not null && !_options.Get(group.Id).Enabled))
            {
                Log.WorkflowDisabled(_logger, workflow.Name);
                continue;
            }

            var definition = workflow.Definition;
            var jobId = _jobs.JobIdOf(workflow.Name);
            var schedule = JobSchedule.From(_jobs.ScheduleOf(workflow.Name));
            Log.WorkflowStarted(_logger, workflow.Name, definition.TableDisplayName, definition.StatusColumn, definition.StatusStorage, options.Batch.Size, schedule.Describe());
            if (options.WakeUp.Enabled)
            {
                // A member's wake-up wakes its group's job.
                _wakeSignals.For(workflow.Name).Connect(() => _scheduler.Wake(jobId, WakeSignal.MinimumSpacing));
            }

            var due = new DueRetries();
            if (group is null)
            {
                jobs.Add(new JobDefinition(jobId, schedule, context => RunAsync(workflow, jobId, due, context), $"status workflow '{workflow.Name}'"));
            }
            else
            {
                members[group.Id].Add(new WorkflowGroupRun.GroupMember(workflow.Name, context => RunAsync(workflow, jobId, due, context)));
            }

            if (options.Mode == ClaimMode.Lease && workflow.Rescuer is { } rescuer)
            {
                // The rescuer is a maintenance job of its own, per workflow even in a group: its period follows the lease,
                // not the workflow's schedule, and it is visible (and can be paused or run now) like any job.
                var rescue = schedule with { Interval = LeaseRescuer.Period(options), Cron = null, TimeZone = null, MaxInstances = 1, Coalesce = true, StartJitter = TimeSpan.Zero, MaxHostsAtOnce = null };
                var rescueId = LeaseRescuer.JobId(group is null ? jobId : workflow.Name);
                jobs.Add(new JobDefinition(rescueId, rescue, context => RescueAsync(workflow, rescuer, jobId, context), $"lease rescuer of status workflow '{workflow.Name}'"));
            }
        }

        foreach (var group in _jobs.Groups.Where(g => members[g.Id].Count > 0))
        {
            var jobId = _jobs.JobIdOf(group);
            var schedule = JobSchedule.From(_options.Get(group.Id).Schedule);
            var run = new WorkflowGroupRun(group, members[group.Id]);
            Log.WorkflowGroupStarted(_logger, group.Id, jobId, string.Join(", ", run.Members.Select(m => m.Workflow)), schedule.Describe());
            jobs.Add(new JobDefinition(jobId, schedule, run.RunAsync, group.Description));
        }

        return jobs;
    }

    private async Task<int> RescueAsync(StatusWorkflow workflow, LeaseRescuer rescuer, string jobId, ScheduledJobContext context)
    {
        var result = await rescuer.RescueAsync(workflow.Options, context.CancellationToken).ConfigureAwait(false);
        if (result.Requeued > 0)
        {
            // Rows are claimable again: the workflow need not wait for its next poll to take them.
            _scheduler.Wake(jobId, TimeSpan.Zero);
        }

        return result.Requeued + result.Failed;
    }

    /// <summary>One scheduled run: the loop until the queue is empty; the items reported are the rows claimed.</summary>
    private async Task<int> RunAsync(StatusWorkflow workflow, string jobId, DueRetries due, ScheduledJobContext context)
    {
        // Read per run, so that a changed batch size applies to the next run; the schedule is fixed at start-up.
        var options = _options.Get(workflow.Name);
        var started = Stopwatch.GetTimestamp();
        var result = await workflow.RunAsync(options, jobId, context.StoppingToken, context.CancellationToken).ConfigureAwait(false);
        context.ReportItems(workflow.Name, result.Claimed);
        if (result.Claimed == 0)
        {
            Log.RunFoundNothing(_logger, workflow.Name);
        }
        else
        {
            Log.RunFinished(_logger, workflow.Name, result.Claimed, result.Completed, result.Failed, result.Batches, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        if (result.StoppedAtBatchLimit)
        {
            // Rows are still queued: run again as soon as this run ends, rather than a whole interval later.
            Log.RunAgainWithBacklog(_logger, workflow.Name, options.Batch.MaxPerRun);
            _scheduler.Wake(jobId, TimeSpan.Zero);
        }

        // Retries and snoozes this host wrote wake the workflow when they fall due, not at the next safety poll.
        if (due.Next(result.DueTimes, _time.GetUtcNow()) is { } next)
        {
            _scheduler.WakeAt(jobId, next);
        }

        return result.Claimed;
    }

    private void AuditEnvironment()
    {
        if (_configuration is null)
        {
            return;
        }

        var prefixes = string.Join(", ", _locations.Select(l => l.Prefix).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        var workflows = string.Join(", ", _locations.Select(l => l.Workflow));
        foreach (var finding in ConfigurationAudit.Find(_configuration, _locations))
        {
            switch (finding.Kind)
            {
                case ConfigurationAudit.FindingKind.EnvironmentPrefixOfNoWorkflow:
                    Log.EnvironmentVariableMatchesNoWorkflow(_logger, finding.Name, prefixes);
                    break;
                case ConfigurationAudit.FindingKind.UnknownEnvironmentSetting:
                    Log.EnvironmentVariableUnknownSetting(_logger, finding.Name, finding.Workflow!, EnvironmentSettings.KnownSuffixes);
                    break;
                case ConfigurationAudit.FindingKind.UnknownConfigurationKey:
                    Log.ConfigurationKeyUnknownSetting(_logger, finding.Name, finding.Workflow!, SettingCatalog.Known);
                    break;
                default:
                    Log.ConfigurationSectionMatchesNoWorkflow(_logger, finding.Name, workflows);
                    break;
            }
        }
    }

    private void LogSettings(string workflow, StatusWorkflowOptions options)
    {
        if (!_logger.IsEnabled(LogLevel.Information) || _locations.FirstOrDefault(l => l.Workflow == workflow) is not { } location)
        {
            return;
        }

        var settings = string.Join(", ", EffectiveSettings.Of(options, _jobs.JobIdOf(workflow), location, _configuration).Select(s => $"{s.Path}={s.Value} ({s.Source})"));
        Log.WorkflowSettings(_logger, workflow, location.Prefix, settings);
    }
}
