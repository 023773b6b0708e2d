using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// The generic run-job-loop of the seeds: claim a batch, process each item in the batch's scope, record the
/// outcomes, repeat until the queue is empty, the batch limit is reached or cancellation is requested.
/// </summary>
internal sealed class RunJobLoop<TEntity>
    where TEntity : class
{
    private readonly WorkflowDefinition _definition;
    private readonly WorkflowSql _sql;
    private readonly KeyReader<TEntity> _keys;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;

    public RunJobLoop(WorkflowDefinition definition, IServiceScopeFactory scopes, ILogger logger)
    {
        _definition = definition;
        _sql = new WorkflowSql(definition);
        _keys = new KeyReader<TEntity>(definition);
        _scopes = scopes;
        _logger = logger;
    }

    public WorkflowSql Sql => _sql;

    /// <summary>Runs batches until the queue is empty, <see cref="StatusWorkflowOptions.MaxBatchesPerRun"/> or cancellation.</summary>
    /// <param name="options">The workflow's settings for this run.</param>
    /// <param name="jobId">The scheduler job id, passed to processors.</param>
    /// <param name="stopping">Signalled when no new batch or item should start (the host is stopping).</param>
    /// <param name="abort">Signalled when work in flight must end now (the host's shutdown timeout); passed to processors.</param>
    public async Task<WorkflowRunResult> RunAsync(StatusWorkflowOptions options, string jobId, CancellationToken stopping, CancellationToken abort)
    {
        var total = default(WorkflowRunResult);
        for (var batch = 0; batch < options.MaxBatchesPerRun && !stopping.IsCancellationRequested; batch++)
        {
            var result = await RunAtomicBatchAsync(options.BatchSize, jobId, stopping, abort).ConfigureAwait(false);
            total += result.Outcome;
            if (!result.ClaimAgain && result.Outcome.Claimed < options.BatchSize)
            {
                break;
            }
        }

        return total;
    }

    /// <summary>
    /// One atomic batch: one transaction claims with <c>FOR UPDATE SKIP LOCKED</c>, runs every processor, writes
    /// every outcome in one statement and commits. A crash rolls it all back and the rows are still queued.
    /// </summary>
    internal async Task<BatchResult> RunAtomicBatchAsync(int batchSize, string jobId, CancellationToken stopping, CancellationToken abort)
    {
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType);

            // The loop isolates each item with a savepoint of its own, opened only if the item touches the
            // database; EF's automatic savepoint around SaveChanges would be a second, redundant round trip.
            db.Database.AutoSavepointsEnabled = false;
            var transaction = await db.Database.BeginTransactionAsync(abort).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var items = await db.Set<TEntity>()
                    .FromSqlRaw(_sql.AtomicClaim, new NpgsqlParameter(WorkflowSql.BatchSizeParameter, batchSize))
                    .AsNoTracking()
                    .ToListAsync(abort)
                    .ConfigureAwait(false);

                if (items.Count == 0)
                {
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    return BatchResult.Empty;
                }

                var processor = (IStatusItemProcessor<TEntity>)scope.ServiceProvider.GetRequiredService(_definition.Registration.ProcessorType);
                var outcomes = new OutcomeBatch(_keys.CreateArray(items.Count));
                foreach (var item in items)
                {
                    if (stopping.IsCancellationRequested)
                    {
                        // Unprocessed rows were only locked: the commit releases them, still queued.
                        break;
                    }

                    var key = _keys.Read(item);
                    var attempt = await ProcessItemAsync(db, processor, item, key, jobId, abort).ConfigureAwait(false);
                    if (attempt.Abandoned)
                    {
                        break;
                    }

                    if (attempt.TransactionAborted)
                    {
                        // A command that bypassed the session failed and aborted the shared transaction, so
                        // nothing of this batch can be saved. Roll back, give the culprit its error in a
                        // statement of its own, and let the loop claim the others again at once.
                        await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                        var culprit = new OutcomeBatch(_keys.CreateArray(1));
                        culprit.Add(key, attempt.Result);
                        await WriteOutcomesAsync(db, culprit).ConfigureAwait(false);
                        Log.BatchAbortedByItem(_logger, _definition.Name, key);
                        return new BatchResult(new WorkflowRunResult(1, 1, 0, 1), ClaimAgain: true);
                    }

                    outcomes.Add(key, attempt.Result);
                }

                if (outcomes.Count > 0)
                {
                    await WriteOutcomesAsync(db, outcomes).ConfigureAwait(false);
                }

                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return new BatchResult(new WorkflowRunResult(1, outcomes.Count, outcomes.Completed, outcomes.Failed), ClaimAgain: false);
            }
        }
    }

    private async Task<ItemAttempt> ProcessItemAsync(DbContext db, IStatusItemProcessor<TEntity> processor, TEntity item, object? key, string jobId, CancellationToken abort)
    {
        db.Attach(item);
        Exception? failure = null;
        ItemResult result = default;
        bool touchedDatabase;
        using (var handle = ItemScope.Enter(db, _definition.Name, useSavepoint: true))
        {
            try
            {
                var context = new StatusItemContext(_definition.Name, jobId, db, attempt: 1);
                result = await processor.ProcessAsync(item, context, abort).ConfigureAwait(false);
                if (db.ChangeTracker.HasChanges())
                {
                    await db.SaveChangesAsync(abort).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            touchedDatabase = handle.Scope.TouchedDatabase;
        }

        db.ChangeTracker.Clear();
        if (failure is null)
        {
            return new ItemAttempt(result, Abandoned: false, TransactionAborted: false);
        }

        if (touchedDatabase)
        {
            await db.Database.ExecuteSqlRawAsync("ROLLBACK TO SAVEPOINT " + ItemScope.SavepointName, CancellationToken.None).ConfigureAwait(false);
        }

        if (failure is OperationCanceledException && abort.IsCancellationRequested)
        {
            return new ItemAttempt(default, Abandoned: true, TransactionAborted: false);
        }

        failure = ProcessorFailure.Translate(failure, db, _definition.Name);
        var reason = ProcessorFailure.Reason(failure);
        Log.ItemFailed(_logger, failure, _definition.Name, key, reason);
        var aborted = !touchedDatabase && ProcessorFailure.IsDatabaseError(failure);
        return new ItemAttempt(ItemResult.Failed(reason), Abandoned: false, TransactionAborted: aborted);
    }

    private Task<int> WriteOutcomesAsync(DbContext db, OutcomeBatch outcomes)
        => db.Database.ExecuteSqlRawAsync(_sql.WriteOutcomes, outcomes.ToParameters(), CancellationToken.None);

    internal readonly record struct BatchResult(WorkflowRunResult Outcome, bool ClaimAgain)
    {
        public static BatchResult Empty => new(new WorkflowRunResult(1, 0, 0, 0), ClaimAgain: false);
    }

    private readonly record struct ItemAttempt(ItemResult Result, bool Abandoned, bool TransactionAborted);
}
