namespace ScraperSky.Pipeline.Cluster;

/// <summary>The cluster as <see cref="IPipelineCluster"/>: the hosts' heartbeats and the cluster-wide pause flags.</summary>
internal sealed class PipelineCluster(ClusterStore store, ClusterHostIdentity host, ClusterPauses pauses) : IPipelineCluster
{
    public Task<IReadOnlyList<PipelineHostInfo>> GetHostsAsync(CancellationToken cancellationToken = default)
        => store.HostsAsync(cancellationToken);

    public async Task PauseAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        await store.PauseAsync(jobId, host.HostId, cancellationToken).ConfigureAwait(false);

        // This host need not wait for its next pause check.
        pauses.Pause(jobId);
    }

    public async Task ResumeAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        await store.ResumeAsync(jobId, cancellationToken).ConfigureAwait(false);
        pauses.Resume(jobId);
    }

    public Task<IReadOnlyList<string>> GetPausedJobsAsync(CancellationToken cancellationToken = default)
        => store.PausedJobsAsync(cancellationToken);
}
