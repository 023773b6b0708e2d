namespace ScraperSky.Pipeline;

/// <summary>
/// What a host runs: every status workflow with its table, values, settings and job state, its row counts per status
/// (cached), and its rows page by page. Registered by <c>AddStatusWorkflow</c> and <c>AddScheduledJob</c>; the jobs
/// themselves are on <see cref="IJobScheduler.GetJobs"/>.
/// </summary>
public interface IPipelineCatalog
{
    /// <summary>Gets every registered status workflow, in registration order.</summary>
    /// <returns>The workflows.</returns>
    IReadOnlyList<StatusWorkflowInfo> GetWorkflows();

    /// <summary>Gets one workflow, or <see langword="null"/> when no workflow has that name.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The workflow, or <see langword="null"/>.</returns>
    StatusWorkflowInfo? GetWorkflow(string workflowName);

    /// <summary>
    /// Gets the workflow's row counts per status. Counts are cached and refreshed at most once per
    /// <see cref="StatusWorkflowInfo.Interval"/> (at least every second, at most every minute) however many callers
    /// ask; on a large table a count stops at a cap and reports <see cref="StatusCounts.IsExact"/> false until an exact
    /// count finishes in the background.
    /// </summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <param name="cancellationToken">Cancels waiting for a count in progress (the count goes on for other callers).</param>
    /// <returns>The latest counts.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    ValueTask<StatusCounts> GetCountsAsync(string workflowName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets how the workflow learns of newly queued rows on this host: whether its wake-up listener listens, is
    /// reconnecting after a lost connection, or cannot hear notifications (a transaction-mode pooler, a missing or
    /// outdated trigger) so the workflow only polls. A read of the state the listener and the start-up check keep; no query.
    /// </summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The wake-up state, with the reason when it is not listening.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    WakeUpStatus GetWakeUpStatus(string workflowName);

    /// <summary>
    /// Reads a page of the workflow's rows that match <paramref name="filter"/>, ordered by key (keyset paging). A filter
    /// without statuses also lists rows whose value is none of the workflow's four (their <see cref="StatusRow.Status"/>
    /// is <see langword="null"/>).
    /// </summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <param name="filter">Which rows.</param>
    /// <param name="after">The <see cref="StatusRowPage.Next"/> of the previous page, or <see langword="null"/> for the first.</param>
    /// <param name="limit">The largest number of rows to return (1 to 1,000).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The page.</returns>
    /// <exception cref="ArgumentException">No workflow has that name, <paramref name="after"/> is not a key of the workflow, or the filter needs a column the workflow does not map.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not between 1 and 1,000.</exception>
    Task<StatusRowPage> GetRowsAsync(string workflowName, StatusRowFilter filter, string? after = null, int limit = 50, CancellationToken cancellationToken = default);
}
