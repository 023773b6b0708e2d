namespace ScraperSky.Pipeline;

/// <summary>
/// The business logic of one status workflow for one item: what a hand-written <c>process_single_{table}_for_{workflow}</c> function did.
/// </summary>
/// <typeparam name="TEntity">The entity (row) type the workflow claims.</typeparam>
/// <remarks>
/// <para>
/// The processor is resolved from a dependency-injection scope the workflow loop opened for its items, so a
/// <see cref="Microsoft.EntityFrameworkCore.DbContext"/> injected into its constructor is the same instance the loop
/// uses (also available as <see cref="StatusItemContext.DbContext"/>). One scope serves many items one after another
/// (in atomic-batch mode the run's batches; in lease mode one lane of the run): keep per-item state in locals, not in
/// fields; the loop clears the session's change tracker between items. The loop owns that
/// transaction: a processor never begins, commits or rolls back a transaction; an attempt to do so fails with
/// <see cref="ProcessorTransactionException"/>. Changes the processor makes to the item or to other
/// tracked entities are saved by the loop.
/// </para>
/// <para>
/// Processing is at-least-once (a crash after the work but before the commit repeats it) while completion is
/// exactly-once, so processors should be idempotent. Throwing marks the item <c>Error</c> with the exception
/// message; returning <see cref="ItemResult.Failed(string)"/> does the same without an exception.
/// </para>
/// </remarks>
public interface IStatusItemProcessor<in TEntity>
    where TEntity : class
{
    /// <summary>Processes one claimed item.</summary>
    /// <param name="item">The claimed row, attached to <see cref="StatusItemContext.DbContext"/>.</param>
    /// <param name="context">The workflow, attempt and database session of this item.</param>
    /// <param name="cancellationToken">Signalled when the host stops or the item times out.</param>
    /// <returns>The item's outcome.</returns>
    ValueTask<ItemResult> ProcessAsync(TEntity item, StatusItemContext context, CancellationToken cancellationToken);
}
