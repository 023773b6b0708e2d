namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// One of the seeds' scheduler jobs: its job id, its name in the seeds, the prefix of its environment variables
/// (<c>{PREFIX}_SCHEDULER_{PARAMETER}</c>) and the status workflows it runs (one, or two for
/// <c>process_pending_jobs</c>).
/// </summary>
public sealed record JobDefinition(string JobId, string DisplayName, string EnvironmentPrefix, IReadOnlyList<WorkflowEntry> Workflows);
