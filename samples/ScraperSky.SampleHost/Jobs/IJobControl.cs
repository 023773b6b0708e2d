namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// What the API's job list, manual trigger and health endpoints need from the scheduler. The sample's
/// implementation (<see cref="RegisteredWorkflowJobControl"/>) reads the registered workflows and their queues;
/// once the library ships its scheduler (<c>IJobScheduler.GetJobs()</c>, <c>RunNowAsync(jobId)</c>), an
/// implementation over it replaces that one file and the endpoints stay as they are.
/// </summary>
public interface IJobControl
{
    /// <summary>Lists every job with its state, last and next run, and its queue counts.</summary>
    Task<IReadOnlyList<JobView>> GetJobsAsync(CancellationToken cancellationToken);

    /// <summary>Asks the scheduler to run a job now, outside its interval.</summary>
    Task<JobTriggerResult> RunNowAsync(string jobId, CancellationToken cancellationToken);
}
