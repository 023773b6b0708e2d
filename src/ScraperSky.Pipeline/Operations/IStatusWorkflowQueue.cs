using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace ScraperSky.Pipeline;

/// <summary>
/// Queues, re-queues and cancels rows of one status workflow from code, with the bookkeeping the workflow's columns
/// need: the queued value, attempts 0, no next attempt, lease or claim token, error text cleared, updated-at set
/// (the queue lag's "queued at"), and a wake-up notification. Get one from <see cref="IStatusWorkflowQueues"/>.
/// Works on every host where the workflow is registered, also where it is disabled.
/// </summary>
/// <remarks>
/// Rows in <see cref="StatusRole.Processing"/> are never queued or cancelled by these calls (their host would
/// overwrite the change); <see cref="ResetStuckAsync"/> is for them. Without <see cref="In"/> a call over many rows
/// runs in keyset batches of at most 10,000 rows, each in its own transaction, reporting the running total to
/// <c>progress</c>; a cancelled call keeps the batches already committed.
/// </remarks>
/// <typeparam name="TEntity">The workflow's entity type.</typeparam>
public interface IStatusWorkflowQueue<TEntity>
    where TEntity : class
{
    /// <summary>Gets the workflow's name.</summary>
    string WorkflowName { get; }

    /// <summary>
    /// Returns a queue whose every call is one statement on <paramref name="context"/>'s connection, inside its current
    /// transaction when it has one, so that a change of your own and the queueing commit together.
    /// </summary>
    /// <param name="context">Your DbContext (of the workflow's context type or another on the same database).</param>
    /// <returns>The queue bound to <paramref name="context"/>.</returns>
    IStatusWorkflowQueue<TEntity> In(DbContext context);

    /// <summary>Queues the rows that match <paramref name="filter"/> (and the workflow's own filter) and are not processing.</summary>
    /// <param name="filter">Which rows, translated to SQL as the workflow's <c>Where</c> is.</param>
    /// <param name="progress">Receives the running count after each batch, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many rows were queued.</returns>
    /// <exception cref="NotSupportedException">The filter cannot be translated; the message names the workflow and the expression.</exception>
    Task<long> QueueAsync(Expression<Func<TEntity, bool>> filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Queues the rows with the given keys that are not processing.</summary>
    /// <typeparam name="TKey">The key's CLR type (its value converter, if any, applies).</typeparam>
    /// <param name="keys">The keys; unknown keys are ignored.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many rows were queued.</returns>
    Task<long> QueueKeysAsync<TKey>(IEnumerable<TKey> keys, CancellationToken cancellationToken = default);

    /// <summary>Queues again the rows in <see cref="StatusRole.Error"/> that match <paramref name="filter"/>, or all of them.</summary>
    /// <param name="filter">Which failed rows, or <see langword="null"/> for all.</param>
    /// <param name="progress">Receives the running count after each batch, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many rows were queued.</returns>
    Task<long> RequeueErrorsAsync(Expression<Func<TEntity, bool>>? filter = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Moves queued rows that match <paramref name="filter"/> to <see cref="StatusRole.Error"/> with <paramref name="reason"/>.</summary>
    /// <param name="filter">Which queued rows.</param>
    /// <param name="reason">The error text written, such as "cancelled by an operator".</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many rows were cancelled.</returns>
    Task<long> CancelAsync(Expression<Func<TEntity, bool>> filter, string reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues again rows stuck in <see cref="StatusRole.Processing"/>: in lease mode those whose lease has expired
    /// (every processing row only with <paramref name="force"/>); in atomic-batch mode, rows no open transaction holds.
    /// </summary>
    /// <param name="dryRun">Only count the rows that would be reset.</param>
    /// <param name="force">Also take rows under a live lease (their host's outcome will then be refused).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many rows were (or, with <paramref name="dryRun"/>, would be) reset.</returns>
    Task<long> ResetStuckAsync(bool dryRun = false, bool force = false, CancellationToken cancellationToken = default);
}
