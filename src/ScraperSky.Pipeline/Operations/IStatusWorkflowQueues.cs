namespace ScraperSky.Pipeline;

/// <summary>
/// Every registered status workflow's queue: by name with typed filters (<see cref="Get{TEntity}"/>) and by name with
/// a <see cref="StatusRowFilter"/> for tools that do not know the entity type (dashboards, admin endpoints).
/// Registered by <c>AddStatusWorkflow</c>.
/// </summary>
public interface IStatusWorkflowQueues
{
    /// <summary>Gets the typed queue of a workflow.</summary>
    /// <typeparam name="TEntity">The workflow's entity type.</typeparam>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The workflow's queue.</returns>
    /// <exception cref="ArgumentException">No workflow has that name, or its entity is not <typeparamref name="TEntity"/>; the message lists the registered workflows.</exception>
    IStatusWorkflowQueue<TEntity> Get<TEntity>(string workflowName)
        where TEntity : class;

    /// <summary>Counts the workflow's rows that match <paramref name="filter"/>.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <param name="filter">Which rows.</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The exact count.</returns>
    Task<long> CountAsync(string workflowName, StatusRowFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Queues the workflow's rows that match <paramref name="filter"/> and are not processing.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <param name="filter">Which rows.</param>
    /// <param name="progress">Receives the running count after each batch, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many rows were queued.</returns>
    Task<long> QueueAsync(string workflowName, StatusRowFilter filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Moves the workflow's queued rows that match <paramref name="filter"/> to <see cref="StatusRole.Error"/> with <paramref name="reason"/>.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <param name="filter">Which rows (only queued ones are taken).</param>
    /// <param name="reason">The error text written.</param>
    /// <param name="progress">Receives the running count after each batch, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many rows were cancelled.</returns>
    Task<long> CancelAsync(string workflowName, StatusRowFilter filter, string reason, IProgress<long>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Queues again the workflow's rows stuck in processing; see <see cref="IStatusWorkflowQueue{TEntity}.ResetStuckAsync"/>.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <param name="dryRun">Only count the rows that would be reset.</param>
    /// <param name="force">Also take rows under a live lease.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many rows were (or would be) reset.</returns>
    Task<long> ResetStuckAsync(string workflowName, bool dryRun = false, bool force = false, CancellationToken cancellationToken = default);
}
