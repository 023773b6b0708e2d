namespace ScraperSky.SampleHost.Jobs;

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
