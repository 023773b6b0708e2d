using Microsoft.Extensions.Options;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// The job list, the manual trigger and the per-job counts, over the library's catalog (<see cref="IPipelineCatalog"/>:
/// every workflow, its table, settings and counts) and its scheduler (<see cref="IJobScheduler"/>: state and runs). The
/// seeds' <c>process_pending_jobs</c> is two workflows; <see cref="ScraperSkyWorkflows.SeedJobOf"/> puts both under it.
/// </summary>
public sealed class JobControl(IPipelineCatalog catalog, IJobScheduler scheduler, IOptionsMonitor<StatusWorkflowOptions> options)
{
    private static readonly TimeSpan FreshCountPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Lists every job with its state, last and next run, its workflows and its counts.</summary>
    public async Task<IReadOnlyList<JobView>> GetJobsAsync(CancellationToken cancellationToken)
    {
        var workflows = new List<(string SeedJob, JobWorkflowView View)>();
        foreach (var workflow in catalog.GetWorkflows())
        {
            workflows.Add((ScraperSkyWorkflows.SeedJobOf(workflow), Describe(workflow, await catalog.GetCountsAsync(workflow.Name, cancellationToken))));
        }

        return ScraperSkyWorkflows.Jobs.Select(job =>
        {
            var views = workflows.Where(w => w.SeedJob == job.JobId).Select(w => w.View).ToList();
            return new JobView(
                job.JobId,
                job.Name,
                job.EnvironmentPrefix,
                views.Min(w => w.State),
                views.Select(w => w.LastRun).OfType<JobRunView>().MaxBy(r => r.End),
                views.Select(w => w.NextRun).Where(t => t.HasValue).Min(),
                views,
                Sum(views.Select(w => w.Counts)));
        }).ToList();
    }

    /// <summary>
    /// Counts each job's rows per status, from counts the catalog took at or after <paramref name="asOf"/> (it caches
    /// them for up to a workflow's interval, so this waits for the next count when the cached one is older).
    /// </summary>
    public async Task<IReadOnlyList<(SeedJob Job, StatusCounts Counts)>> CountAsync(DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var counts = new List<(string SeedJob, StatusCounts Counts)>();
        using var poll = new PeriodicTimer(FreshCountPoll);
        foreach (var workflow in catalog.GetWorkflows())
        {
            var current = await catalog.GetCountsAsync(workflow.Name, cancellationToken);
            while (current.CountedAt < asOf || !current.IsExact)
            {
                await poll.WaitForNextTickAsync(cancellationToken);
                current = await catalog.GetCountsAsync(workflow.Name, cancellationToken);
            }

            counts.Add((ScraperSkyWorkflows.SeedJobOf(workflow), current));
        }

        return ScraperSkyWorkflows.Jobs.Select(job => (job, Sum(counts.Where(c => c.SeedJob == job.JobId).Select(c => c.Counts)))).ToList();
    }

    /// <summary>Runs every enabled workflow of a job now, outside its schedule, and returns when the runs have ended.</summary>
    /// <param name="jobId">The seeds' job id.</param>
    /// <param name="cancellationToken">Stops waiting for the results; runs that started go on.</param>
    public async Task<JobTriggerResult> RunNowAsync(string jobId, CancellationToken cancellationToken)
    {
        if (ScraperSkyWorkflows.Jobs.FirstOrDefault(j => j.JobId == jobId) is not { } job)
        {
            return new JobTriggerResult(JobTriggerOutcome.UnknownJob, $"No job has the id '{jobId}'.", []);
        }

        var enabled = catalog.GetWorkflows().Where(w => ScraperSkyWorkflows.SeedJobOf(w) == jobId && w.Enabled).Select(w => w.JobId).Distinct().ToList();
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

    private JobWorkflowView Describe(StatusWorkflowInfo workflow, StatusCounts counts)
    {
        var settings = options.Get(workflow.Name);
        var job = workflow.Enabled ? scheduler.GetJob(workflow.JobId) : null;
        return new JobWorkflowView(
            workflow.Name,
            workflow.JobId,
            workflow.Table,
            workflow.StatusColumn,
            !workflow.Enabled ? JobState.Disabled : job is null ? JobState.NotStarted : StateOf(job.State),
            job?.LastResult is { } last ? JobRunView.From(last) : null,
            job?.NextRunTime,
            workflow.Enabled,
            workflow.Interval,
            workflow.Cron,
            settings.Batch.Size,
            workflow.Mode,
            settings.Parallelism,
            settings.WakeUp.Enabled,
            counts);
    }

    private static StatusCounts Sum(IEnumerable<StatusCounts> counts)
        => counts.Aggregate((a, b) => new StatusCounts
        {
            Queued = a.Queued + b.Queued,
            Processing = a.Processing + b.Processing,
            Completed = a.Completed + b.Completed,
            Error = a.Error + b.Error,
            StuckProcessing = a.StuckProcessing is null && b.StuckProcessing is null ? null : (a.StuckProcessing ?? 0) + (b.StuckProcessing ?? 0),
            OldestQueuedAt = new[] { a.OldestQueuedAt, b.OldestQueuedAt }.Min(),
            IsExact = a.IsExact && b.IsExact,
            CountedAt = a.CountedAt < b.CountedAt ? a.CountedAt : b.CountedAt,
        });

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
