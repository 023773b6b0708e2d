namespace ScraperSky.Pipeline.Scheduling;

/// <summary>One job as the scheduler receives it: id, schedule, what to run, and what to call it in messages.</summary>
/// <param name="Id">The job id.</param>
/// <param name="Schedule">The validated schedule.</param>
/// <param name="Execute">Runs the job once; returns the item count.</param>
/// <param name="Description">The job for a person: <c>scheduled job 'x'</c> or <c>status workflow 'y'</c>.</param>
/// <param name="Cleanup">
/// Runs once when the job stops for good (it faulted, or the scheduler stopped), after its runs ended; its token is
/// the host's shutdown timeout. <see langword="null"/> for none.
/// </param>
internal sealed record JobDefinition(
    string Id,
    JobSchedule Schedule,
    Func<ScheduledJobContext, Task<int>> Execute,
    string Description,
    Func<CancellationToken, Task>? Cleanup = null);
