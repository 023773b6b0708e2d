using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// The job control available before the library's scheduler: lists the jobs this host registered with their
/// settings and queue counts, but cannot report runs or trigger one (the library's loops are not reachable from
/// outside yet). Replace this file with one over <c>IJobScheduler</c> when it ships.
/// </summary>
public sealed class RegisteredWorkflowJobControl(
    JobCatalog catalog,
    JobQueueCounter counter,
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
                var (table, column) = JobQueueCounter.Locate(model, w);
                return new JobWorkflowView(w.Name, table, column, settings.Enabled, settings.Interval, settings.BatchSize, counts[w.Name]);
            }).ToList();
            return new JobView(
                job.JobId,
                job.DisplayName,
                workflows.Any(w => w.Enabled) ? "scheduled" : "disabled",
                LastRun: null,
                LastResult: null,
                NextRun: null,
                workflows,
                workflows.Aggregate(default(QueueCounts), (sum, w) => sum + w.Counts));
        }).ToList();
    }

    public Task<JobTriggerResult> RunNowAsync(string jobId, CancellationToken cancellationToken)
        => Task.FromResult(catalog.Find(jobId) is null
            ? new JobTriggerResult(JobTriggerOutcome.UnknownJob, $"No job has the id '{jobId}'.")
            : new JobTriggerResult(JobTriggerOutcome.NotSupported, $"Job '{jobId}' runs every interval; running it on demand needs the library's scheduler (IJobScheduler.RunNowAsync), which this build does not have yet."));
}
