using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// Starts the shared scheduler with the host: prepares every job source first (a misconfigured workflow or a service
/// whose configuration fails stops start-up before any job runs, and the jobs prepared so far are cleaned up), schedules
/// their jobs, then starts the clock. Stopping the host stops the scheduler.
/// </summary>
internal sealed class JobSchedulerHostedService(JobScheduler scheduler, IEnumerable<IScheduledJobSource> sources, ILogger<JobScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<JobDefinition>();
        try
        {
            foreach (var source in sources)
            {
                jobs.AddRange(await source.PrepareAsync(cancellationToken).ConfigureAwait(false));
            }

            foreach (var job in jobs)
            {
                scheduler.Add(job);
            }
        }
        catch
        {
            foreach (var job in jobs.Where(j => j.Cleanup is not null))
            {
                await JobReporter.CleanUpAsync(logger, job, job.Cleanup!, CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }

        foreach (var source in sources)
        {
            source.BeforeStart();
        }

        scheduler.Start();
    }

    public Task StopAsync(CancellationToken cancellationToken) => scheduler.StopAsync(cancellationToken);
}
