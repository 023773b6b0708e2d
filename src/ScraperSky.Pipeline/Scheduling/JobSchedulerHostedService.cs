using Microsoft.Extensions.Hosting;

namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// Starts the shared scheduler with the host: prepares every job source first (a misconfigured workflow fails start-up
/// before any job runs), schedules their jobs, then starts the clock. Stopping the host stops the scheduler.
/// </summary>
internal sealed class JobSchedulerHostedService(JobScheduler scheduler, IEnumerable<IScheduledJobSource> sources) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<JobDefinition>();
        foreach (var source in sources)
        {
            jobs.AddRange(await source.PrepareAsync(cancellationToken).ConfigureAwait(false));
        }

        foreach (var job in jobs)
        {
            scheduler.Add(job);
        }

        scheduler.Start();
    }

    public Task StopAsync(CancellationToken cancellationToken) => scheduler.StopAsync(cancellationToken);
}
