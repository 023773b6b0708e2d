namespace ScraperSky.Pipeline;

/// <summary>
/// The hosts that share a database and the controls that reach all of them: pause and resume a job on every host
/// (honoured within one interval), and the hosts alive with their heartbeats. Registered by <c>AddStatusWorkflow</c>
/// and <c>AddScheduledJob</c>; uses the library's own schema (see the migrations docs).
/// </summary>
public interface IPipelineCluster
{
    /// <summary>Gets the hosts that sent a heartbeat recently, and those that stopped (until they are forgotten).</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The hosts, alive first.</returns>
    Task<IReadOnlyList<PipelineHostInfo>> GetHostsAsync(CancellationToken cancellationToken = default);

    /// <summary>Pauses a job on every host: runs in progress finish, no host starts another until it is resumed.</summary>
    /// <param name="jobId">The job's id (a workflow's job id pauses the workflow).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the pause is recorded.</returns>
    Task PauseAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Resumes a job paused with <see cref="PauseAsync"/> on every host.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the resume is recorded.</returns>
    Task ResumeAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Gets the ids of the jobs paused cluster-wide.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The paused job ids.</returns>
    Task<IReadOnlyList<string>> GetPausedJobsAsync(CancellationToken cancellationToken = default);
}

/// <summary>One host as its heartbeats describe it.</summary>
public sealed record PipelineHostInfo
{
    /// <summary>Gets the host's id (unique per process start).</summary>
    public required string HostId { get; init; }

    /// <summary>Gets the machine name.</summary>
    public required string MachineName { get; init; }

    /// <summary>Gets the library version the host runs.</summary>
    public required string Version { get; init; }

    /// <summary>Gets when the host started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets the time of the host's last heartbeat.</summary>
    public required DateTimeOffset LastSeenAt { get; init; }

    /// <summary>Gets whether the last heartbeat is recent enough for the host to count as alive.</summary>
    public required bool IsAlive { get; init; }

    /// <summary>Gets the ids of the jobs the host runs.</summary>
    public required IReadOnlyList<string> JobIds { get; init; }
}
