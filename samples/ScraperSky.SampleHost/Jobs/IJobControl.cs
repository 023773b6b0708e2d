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

/// <summary>A job as the API shows it.</summary>
/// <param name="State"><c>scheduled</c>, <c>disabled</c>, or what the library's scheduler reports.</param>
/// <param name="LastRun">When the job last ran; <see langword="null"/> until the scheduler reports it.</param>
/// <param name="LastResult">How the last run ended; <see langword="null"/> until the scheduler reports it.</param>
/// <param name="NextRun">When the job runs next; <see langword="null"/> until the scheduler reports it.</param>
public sealed record JobView(
    string JobId,
    string Name,
    string State,
    DateTimeOffset? LastRun,
    string? LastResult,
    DateTimeOffset? NextRun,
    IReadOnlyList<JobWorkflowView> Workflows,
    QueueCounts Counts);

/// <summary>One status workflow of a job as the API shows it.</summary>
public sealed record JobWorkflowView(string Name, string Table, string StatusColumn, bool Enabled, TimeSpan Interval, int BatchSize, QueueCounts Counts);

/// <summary>What a manual trigger did.</summary>
public enum JobTriggerOutcome
{
    /// <summary>The run was started.</summary>
    Started,

    /// <summary>No job has that id.</summary>
    UnknownJob,

    /// <summary>The scheduler in use cannot run jobs on demand.</summary>
    NotSupported,
}

/// <summary>The outcome of a manual trigger and a message for the caller.</summary>
public sealed record JobTriggerResult(JobTriggerOutcome Outcome, string Message);
