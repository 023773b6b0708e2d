namespace ScraperSky.Pipeline.Dashboard.Live;

/// <summary>One sample of everything the pages show live; the pages render it and the event stream sends it.</summary>
internal sealed class DashboardSnapshot
{
    /// <summary>Gets when the sample was taken.</summary>
    public required DateTimeOffset TakenAt { get; init; }

    /// <summary>Gets whether <see cref="IPipelineCatalog"/> is registered (else no workflows are listed).</summary>
    public required bool HasCatalog { get; init; }

    /// <summary>Gets whether <see cref="IJobScheduler"/> is registered (else no jobs are listed).</summary>
    public required bool HasScheduler { get; init; }

    /// <summary>Gets whether <see cref="IPipelineCluster"/> is registered (else no hosts, and pause is local).</summary>
    public required bool HasCluster { get; init; }

    /// <summary>Gets every workflow.</summary>
    public required IReadOnlyList<WorkflowSample> Workflows { get; init; }

    /// <summary>Gets every job, workflows' jobs included.</summary>
    public required IReadOnlyList<JobSample> Jobs { get; init; }

    /// <summary>Gets the hosts, or <see langword="null"/> without a cluster (or when reading them failed).</summary>
    public IReadOnlyList<PipelineHostInfo>? Hosts { get; init; }

    /// <summary>Gets the displayed values by live key (see <see cref="LiveKeys"/>), as the pages show them.</summary>
    public required IReadOnlyDictionary<string, string> Values { get; init; }

    /// <summary>Gets the badges by live key: shown when true.</summary>
    public required IReadOnlyDictionary<string, bool> Flags { get; init; }

    /// <summary>Gets the snapshot as the event stream sends it.</summary>
    public required string Json { get; init; }

    /// <summary>Gets a workflow by name, or <see langword="null"/>.</summary>
    public WorkflowSample? Workflow(string name) => Workflows.FirstOrDefault(w => w.Info.Name == name);

    /// <summary>Gets a job by id, or <see langword="null"/>.</summary>
    public JobSample? Job(string jobId) => Jobs.FirstOrDefault(j => j.Info.JobId == jobId);
}

/// <summary>One workflow in a sample.</summary>
/// <param name="Info">The catalog's description.</param>
/// <param name="Counts">The cached counts, or <see langword="null"/> when reading them failed.</param>
/// <param name="Paused">Whether its job is paused (cluster-wide or here).</param>
/// <param name="Stalled">Queued rows and no progress for <see cref="PipelineDashboardOptions.StalledAfter"/>.</param>
/// <param name="WakeUp">The catalog's wake-up state on this host, or <see langword="null"/> when reading it failed.</param>
internal sealed record WorkflowSample(StatusWorkflowInfo Info, StatusCounts? Counts, bool Paused, bool Stalled, WakeUpStatus? WakeUp = null);

/// <summary>One job in a sample.</summary>
/// <param name="Info">The scheduler's snapshot.</param>
/// <param name="Paused">Whether it is paused (cluster-wide or here).</param>
/// <param name="PausedClusterWide">Whether the pause is recorded cluster-wide.</param>
/// <param name="Missed">Runs missed since the host started.</param>
/// <param name="Skipped">Runs skipped (maximum instances running) since the host started.</param>
/// <param name="Workflow">The workflow the job runs, or <see langword="null"/> for a job of its own.</param>
internal sealed record JobSample(ScheduledJobInfo Info, bool Paused, bool PausedClusterWide, long Missed, long Skipped, string? Workflow);
