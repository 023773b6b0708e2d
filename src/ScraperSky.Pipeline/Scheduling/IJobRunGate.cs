namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// Asks something outside the host (the cluster's schema) whether a run of a job whose schedule
/// <see cref="JobSchedule.NeedsCluster"/> may start here; a higher layer implements it (the scheduler only calls it).
/// </summary>
internal interface IJobRunGate
{
    /// <summary>Claims the run's key or slot, or says why the run does not start on this host.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="schedule">The job's schedule: which claims it needs.</param>
    /// <param name="scheduledTime">The time the run was scheduled for.</param>
    /// <param name="manual">Whether the run was asked for with <see cref="IJobScheduler.RunNowAsync"/>.</param>
    /// <param name="cancellationToken">The run's abort token.</param>
    /// <returns>The permit; dispose it when the run ended.</returns>
    Task<JobRunPermit> EnterAsync(string jobId, JobSchedule schedule, DateTimeOffset scheduledTime, bool manual, CancellationToken cancellationToken);
}
