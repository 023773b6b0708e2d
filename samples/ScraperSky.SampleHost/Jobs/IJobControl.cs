namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// What the API's job list and manual trigger need: the seeds' jobs as the <see cref="JobCatalog"/> groups them
/// (<c>process_pending_jobs</c> is two status workflows, so two jobs on the library's scheduler), with their queue
/// counts. <see cref="SchedulerJobControl"/> implements it over the library's <c>IJobScheduler</c>.
/// </summary>
public interface IJobControl
{
    /// <summary>Lists every job with its state, last and next run, its workflows and its queue counts.</summary>
    Task<IReadOnlyList<JobView>> GetJobsAsync(CancellationToken cancellationToken);

    /// <summary>Runs every enabled workflow of a job now, outside its interval, and returns when the runs have ended.</summary>
    /// <param name="jobId">The seeds' job id.</param>
    /// <param name="cancellationToken">Stops waiting for the results; runs that started go on.</param>
    Task<JobTriggerResult> RunNowAsync(string jobId, CancellationToken cancellationToken);
}
