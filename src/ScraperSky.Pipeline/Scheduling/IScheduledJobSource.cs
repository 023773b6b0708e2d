namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// Supplies jobs to the scheduler when the host starts. Every source is prepared before any job is scheduled, so a
/// source that finds a misconfiguration (a status workflow's table does not exist) stops start-up before anything runs.
/// </summary>
internal interface IScheduledJobSource
{
    Task<IReadOnlyList<JobDefinition>> PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Called once every source's jobs are on the scheduler, before its clock starts (a job may be paused then).</summary>
    void BeforeStart()
    {
    }
}
