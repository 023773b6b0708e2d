namespace ScraperSky.Pipeline;

/// <summary>
/// The history of the pipeline's workflows across restarts and hosts, for dashboards: per-step counts and wait and
/// processing percentiles, and failures grouped by normalised message. Registered by <c>AddPipelineHistory</c>; every
/// host adds what it counted to the stored minute once a minute, so the current minute shows up within a minute.
/// </summary>
public interface IPipelineHistory
{
    /// <summary>
    /// Reads a workflow's history from <paramref name="from"/> to <paramref name="to"/> in steps of
    /// <paramref name="step"/>: one point per step, oldest first, steps without activity included with zero counts.
    /// </summary>
    /// <param name="workflowName">The workflow's name (any name the history holds, also of workflows no longer registered).</param>
    /// <param name="from">The start, inclusive; the first step starts here.</param>
    /// <param name="to">The end, exclusive.</param>
    /// <param name="step">The step: whole minutes, at least one; at most 10,000 steps from <paramref name="from"/> to <paramref name="to"/>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The points.</returns>
    /// <exception cref="ArgumentException">The name is empty, <paramref name="to"/> is not after <paramref name="from"/>, or the step is not whole minutes or makes too many points.</exception>
    Task<IReadOnlyList<PipelineHistoryPoint>> GetSeriesAsync(string workflowName, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the failure groups seen since <paramref name="since"/>, most failures first: failed attempts (retried later
    /// or not) grouped by workflow and normalised message. Counts are kept per hour, so a group's count includes its
    /// failures of the whole hour <paramref name="since"/> falls in.
    /// </summary>
    /// <param name="workflowName">The workflow's name, or <see langword="null"/> for every workflow.</param>
    /// <param name="since">The earliest last-seen time of a group.</param>
    /// <param name="limit">The largest number of groups to return (1 to 1,000).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The groups.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is out of range.</exception>
    Task<IReadOnlyList<PipelineErrorGroup>> GetErrorGroupsAsync(string? workflowName, DateTimeOffset since, int limit = 100, CancellationToken cancellationToken = default);
}
