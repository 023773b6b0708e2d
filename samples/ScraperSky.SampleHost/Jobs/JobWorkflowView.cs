using ScraperSky.Pipeline;

namespace ScraperSky.SampleHost.Jobs;

/// <summary>
/// One status workflow of a job as the API shows it: what the library's catalog says of it (<see cref="StatusWorkflowInfo"/>,
/// <see cref="StatusCounts"/>), its scheduler job's state and runs, and the settings people tune most.
/// </summary>
/// <param name="Name">The workflow's name; its settings are in the configuration section <c>ScraperSky:Workflows:&lt;Name&gt;</c>.</param>
/// <param name="JobId">Its job id on the library's scheduler.</param>
/// <param name="Cron">The cron expression that schedules it instead of <paramref name="Interval"/>, or <see langword="null"/>.</param>
public sealed record JobWorkflowView(
    string Name,
    string JobId,
    string Table,
    string StatusColumn,
    JobState State,
    JobRunView? LastRun,
    DateTimeOffset? NextRun,
    bool Enabled,
    TimeSpan Interval,
    string? Cron,
    int BatchSize,
    ClaimMode Mode,
    int Parallelism,
    bool WakeUp,
    StatusCounts Counts);
