namespace ScraperSky.Pipeline;

/// <summary>
/// The host's one shared scheduler: every status workflow and every job added with <c>AddScheduledJob</c> runs on it.
/// Lists jobs, runs one now, pauses and resumes, and reports every run through its events.
/// </summary>
/// <remarks>Event handlers run on the scheduler's threads; an exception a handler throws is logged and ignored.</remarks>
public interface IJobScheduler
{
    /// <summary>Raised when a run returns normally, with its duration and item count.</summary>
    event EventHandler<JobRunResult>? JobExecuted;

    /// <summary>Raised when a run throws, with the exception.</summary>
    event EventHandler<JobRunResult>? JobFailed;

    /// <summary>Raised when a run was due longer ago than the job's misfire grace time and so did not start.</summary>
    event EventHandler<JobRunResult>? JobMissed;

    /// <summary>Raised when a run did not start because the job had its maximum number of instances running.</summary>
    event EventHandler<JobRunResult>? JobSkipped;

    /// <summary>Lists every job, in the order they were scheduled.</summary>
    /// <returns>A snapshot of each job.</returns>
    IReadOnlyList<ScheduledJobInfo> GetJobs();

    /// <summary>Gets one job.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <returns>A snapshot of the job, or <see langword="null"/> when no job has that id.</returns>
    ScheduledJobInfo? GetJob(string jobId);

    /// <summary>
    /// Runs a job now (a manual trigger, also for a paused job) and returns when that run ends. The job's maximum number
    /// of instances holds: when it is reached, the run does not start and the result is <see cref="JobRunOutcome.Skipped"/>.
    /// </summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Stops waiting for the result; the run itself goes on.</param>
    /// <returns>The run's result.</returns>
    /// <exception cref="ArgumentException">No job has that id.</exception>
    /// <exception cref="InvalidOperationException">The scheduler is not running (before the host started, or after it stopped).</exception>
    Task<JobRunResult> RunNowAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Pauses a job: no scheduled run starts until <see cref="Resume"/>; runs in progress finish. Pausing a paused job does nothing.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <exception cref="ArgumentException">No job has that id.</exception>
    void Pause(string jobId);

    /// <summary>Resumes a paused job at the next point of its interval; resuming a job that is not paused does nothing.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <exception cref="ArgumentException">No job has that id.</exception>
    void Resume(string jobId);
}
