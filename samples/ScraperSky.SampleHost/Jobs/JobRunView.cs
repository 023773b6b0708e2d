using ScraperSky.Pipeline;

namespace ScraperSky.SampleHost.Jobs;

/// <summary>One run of a scheduler job as the API shows it.</summary>
/// <param name="JobId">The scheduler's job id: the workflow's (<c>process_pending_jobs.sitemap_files</c> for the legacy half).</param>
/// <param name="Time">When the run started, or for a skipped run when the scheduler decided not to start it.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Items">The rows it claimed.</param>
/// <param name="Duration">How long it took; zero for a skipped run.</param>
/// <param name="Error">The exception's message of a failed run; failed items are not run failures, their reasons are on the rows.</param>
public sealed record JobRunView(string JobId, DateTimeOffset Time, JobRunOutcome Outcome, int Items, TimeSpan Duration, string? Error)
{
    /// <summary>Gets when the run ended (or was skipped).</summary>
    internal DateTimeOffset End => Time + Duration;

    public static JobRunView From(JobRunResult result)
        => new(result.JobId, result.StartTime, result.Outcome, result.ItemsProcessed, result.Duration, result.Exception?.Message);
}
