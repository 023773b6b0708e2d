using Microsoft.Extensions.Options;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// The job list and the manual trigger over the library's scheduler. The scheduler knows one job per status workflow;
/// this groups them back into the seeds' jobs with the <see cref="JobCatalog"/>, so <c>process_pending_jobs</c> is one
/// entry (its deep scans and its legacy sitemap jobs) and one trigger runs both.
/// </summary>
public sealed class SchedulerJobControl(
    JobCatalog catalog,
    JobQueueCounter counter,
    IJobScheduler scheduler,
    IOptionsMonitor<StatusWorkflowOptions> options,
    IServiceScopeFactory scopes) : IJobControl
{
    public async Task<IReadOnlyList<JobView>> GetJobsAsync(CancellationToken cancellationToken)
    {
        var counts = await counter.CountAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var model = scope.ServiceProvider.GetRequiredService<ScraperSkyDb>().Model;
        return catalog.Jobs.Select(job =>
        {
            var workflows = job.Workflows.Select(w =>
            {
                var settings = options.Get(w.Name);
                var jobId = JobIdOf(w);
                var info = settings.Enabled ? scheduler.GetJob(jobId) : null;
                var (table, column) = JobQueueCounter.Locate(model, w);
                return new JobWorkflowView(
                    w.Name,
                    jobId,
                    table,
                    column,
                    !settings.Enabled ? JobState.Disabled : info is null ? JobState.NotStarted : StateOf(info.State),
                    info?.LastResult is { } last ? JobRunView.From(last) : null,
                    info?.NextRunTime,
                    settings.Enabled,
                    settings.Schedule.Interval,
                    settings.Batch.Size,
                    settings.Mode,
                    settings.Parallelism,
                    settings.WakeUp.Enabled,
                    counts[w.Name]);
            }).ToList();

            return new JobView(
                job.JobId,
                job.DisplayName,
                job.EnvironmentPrefix,
                workflows.Min(w => w.State),
                workflows.Select(w => w.LastRun).OfType<JobRunView>().MaxBy(r => r.End),
                workflows.Select(w => w.NextRun).Where(t => t.HasValue).Min(),
                workflows,
                workflows.Aggregate(default(QueueCounts), (sum, w) => sum + w.Counts));
        }).ToList();
    }

    public async Task<JobTriggerResult> RunNowAsync(string jobId, CancellationToken cancellationToken)
    {
        if (catalog.Find(jobId) is not { } job)
        {
            return new JobTriggerResult(JobTriggerOutcome.UnknownJob, $"No job has the id '{jobId}'.", []);
        }

        var enabled = job.Workflows.Where(w => options.Get(w.Name).Enabled).Select(JobIdOf).ToList();
        if (enabled.Count == 0)
        {
            return new JobTriggerResult(JobTriggerOutcome.Disabled, $"Job '{jobId}' is disabled ({job.EnvironmentPrefix}_SCHEDULER_ENABLED or Enabled in its workflows' settings); it cannot run.", []);
        }

        JobRunResult[] results;
        try
        {
            // The two halves of process_pending_jobs work on different tables, so they run side by side; each returns
            // when its run ends. Waiting stops with the request, but a run that started finishes on its own.
            results = await Task.WhenAll(enabled.Select(id => scheduler.RunNowAsync(id, cancellationToken)));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // The scheduler adds its jobs when the host starts and refuses runs once it stops.
            return new JobTriggerResult(JobTriggerOutcome.NotRunning, $"Job '{jobId}' cannot run now: {ex.Message}", []);
        }

        var runs = results.Select(JobRunView.From).ToList();
        var skipped = results.Where(r => r.Outcome == JobRunOutcome.Skipped).Select(r => r.JobId).ToList();
        if (skipped.Count > 0)
        {
            var ran = results.Where(r => r.Outcome != JobRunOutcome.Skipped).Select(r => $"; {r.JobId} ran: {r.Outcome}");
            return new JobTriggerResult(
                JobTriggerOutcome.AlreadyRunning,
                $"Job '{jobId}' is already running ({string.Join(", ", skipped)} has its maximum of runs in progress), so no new run of it started{string.Concat(ran)}. Try again when it ends.",
                runs);
        }

        return new JobTriggerResult(JobTriggerOutcome.Ran, $"Job '{jobId}' ran: {string.Join("; ", results.Select(r => r.ToString()))}.", runs);
    }

    /// <summary>The workflow's job id on the scheduler: its name unless its settings give another (<c>Schedule:JobId</c>).</summary>
    private string JobIdOf(WorkflowEntry workflow) => options.Get(workflow.Name).Schedule.JobId ?? workflow.Name;

    private static JobState StateOf(ScheduledJobState state) => state switch
    {
        ScheduledJobState.Scheduled => JobState.Scheduled,
        ScheduledJobState.Running => JobState.Running,
        ScheduledJobState.BackingOff => JobState.BackingOff,
        ScheduledJobState.Paused => JobState.Paused,
        ScheduledJobState.Faulted => JobState.Faulted,
        _ => JobState.Stopped,
    };
}
