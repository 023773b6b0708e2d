namespace ScraperSky.Pipeline;

/// <summary>
/// The hosts that share a database and the controls that reach all of them: pause and resume a job on every host
/// (honoured within one <see cref="PipelineClusterOptions.PauseCheckInterval"/>), and the hosts alive with their
/// heartbeats. Registered by <c>services.AddPipelineCluster(…)</c>; uses the library's own schema
/// (<see cref="PipelineClusterOptions.Schema"/>, created at start-up or by <see cref="StatusWorkflowScripts.ClusterSchema"/>).
/// </summary>
public interface IPipelineCluster
{
    /// <summary>
    /// Gets the hosts that sent a heartbeat recently, and those that stopped sending them without leaving (a crash) until
    /// they are forgotten a day later; a host that stops gracefully removes its row.
    /// </summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The hosts, alive first.</returns>
    Task<IReadOnlyList<PipelineHostInfo>> GetHostsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Pauses a job on every host: runs in progress finish, no host starts another until it is resumed. This host pauses
    /// its job at once; the others within one <see cref="PipelineClusterOptions.PauseCheckInterval"/>. A job id no host
    /// runs (yet) is recorded too, and pauses that job wherever it starts.
    /// </summary>
    /// <param name="jobId">The job's id (a workflow's job id pauses the workflow).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the pause is recorded.</returns>
    Task PauseAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Resumes a job paused with <see cref="PauseAsync"/> on every host (within one
    /// <see cref="PipelineClusterOptions.PauseCheckInterval"/>); a job paused on one host with
    /// <see cref="IJobScheduler.Pause"/> before the cluster-wide pause stays paused there.
    /// </summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the resume is recorded.</returns>
    Task ResumeAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Gets the ids of the jobs paused cluster-wide.</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The paused job ids.</returns>
    Task<IReadOnlyList<string>> GetPausedJobsAsync(CancellationToken cancellationToken = default);
}
