namespace ScraperSky.Pipeline;

/// <summary>
/// A job run by the shared scheduler on an interval (an APScheduler job function). An instance is resolved
/// from a dependency-injection scope of its own for every run.
/// </summary>
public interface IScheduledJob
{
    /// <summary>Runs the job once.</summary>
    /// <param name="context">The run: job id, scheduled time, scoped services and the two shutdown signals.</param>
    /// <returns>The number of items the run processed, reported with the run's result.</returns>
    Task<int> ExecuteAsync(ScheduledJobContext context);
}
