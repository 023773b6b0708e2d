using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// One atomic batch: one transaction claims with <c>FOR UPDATE SKIP LOCKED</c>, runs every processor, writes every
/// outcome in one statement and commits. A crash rolls it all back and the rows are still queued.
/// </summary>
internal sealed class AtomicBatch<TEntity>
    where TEntity : class
{
    private readonly WorkflowDefinition _definition;
    private readonly WorkflowStore<TEntity> _store;
    private readonly KeyReader<TEntity> _keys;
    private readonly ItemInvoker<TEntity> _invoker;
    private readonly WorkflowTelemetry _telemetry;
    private readonly Func<TEntity, DateTimeOffset?>? _queuedAt;
    private readonly ILogger _logger;

    public AtomicBatch(WorkflowDefinition definition, WorkflowStore<TEntity> store, KeyReader<TEntity> keys, ItemInvoker<TEntity> invoker, WorkflowTelemetry telemetry, Func<TEntity, DateTimeOffset?>? queuedAt, ILogger logger)
    {
        _telemetry = telemetry;
        _queuedAt = queuedAt;
        _definition = definition;
        _store = store;
        _keys = keys;
        _invoker = invoker;
        _logger = logger;
    }

    private TimeProvider Time => _store.Clock.Time;

    public async Task<BatchResult> RunAsync(IServiceScope scope, StatusWorkflowOptions options, string jobId, CancellationToken stopping, CancellationToken abort)
    {
        var db = (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType);

        // The loop isolates each item with a savepoint of its own, opened only if the item touches the database;
        // EF's automatic savepoint around SaveChanges would be a second, redundant round trip.
        db.Database.AutoSavepointsEnabled = false;
        var transaction = await db.Database.BeginTransactionAsync(abort).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            Claim<TEntity> claim;
            var claimStarted = Stopwatch.GetTimestamp();
            using (var claimActivity = _telemetry.StartClaim(jobId, options.BatchSize))
            {
                claim = await _store.ClaimAtomicAsync(db, options.BatchSize, abort).ConfigureAwait(false);
                _telemetry.Claimed(claimActivity, claim.Items.Count + claim.Unreadable.Count, claimStarted);
            }

            _telemetry.QueueLag(claim.Items, _queuedAt, Time.GetUtcNow());
            if (claim.Items.Count == 0 && claim.Unreadable.Count == 0)
            {
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return BatchResult.Empty;
            }

            var processor = (IStatusItemProcessor<TEntity>)scope.ServiceProvider.GetRequiredService(_definition.Registration.ProcessorType);
            var outcomes = new OutcomeBatch(_keys.CreateArray(claim.Items.Count + claim.Unreadable.Count));
            foreach (var (key, reason) in claim.Unreadable)
            {
                outcomes.Add(key, WorkflowSql.ErrorKind, reason);
            }

            var snoozedWithoutNextAttempt = false;
            using var deadline = new ItemDeadline(Time, abort);
            TimeSpan? earliestDelay = null;
            foreach (var item in claim.Items)
            {
                if (stopping.IsCancellationRequested)
                {
                    // Unprocessed rows were only locked: the commit releases them, still queued.
                    break;
                }

                var key = _keys.Read(item);
                var context = new StatusItemContext(_definition.Name, jobId, db, attempt: 1);
                var itemStarted = Stopwatch.GetTimestamp();
                ItemAttempt attempt;
                using (var itemActivity = _telemetry.StartItem(jobId, key))
                {
                    attempt = await _invoker.InvokeAsync(db, processor, item, key, context, deadline, options.ItemTimeout, ItemIsolation.Savepoint, mayAbandon: false, abort).ConfigureAwait(false);
                    _telemetry.ItemProcessed(itemActivity, attempt, itemStarted);
                }

                if (attempt.Stopped)
                {
                    break;
                }

                if (!attempt.Touched && attempt.Failure is not null && ProcessorFailure.IsDatabaseError(attempt.Failure))
                {
                    // A command that bypassed the session failed and aborted the shared transaction, so nothing of
                    // this batch can be saved. Roll back, give the culprit its error in a statement of its own,
                    // and let the loop claim the others again at once.
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    var culprit = new OutcomeBatch(_keys.CreateArray(1));
                    culprit.Add(key, WorkflowSql.ErrorKind, attempt.Reason);
                    await _store.WriteAtomicOutcomesAsync(db, culprit).ConfigureAwait(false);
                    Log.BatchAbortedByItem(_logger, _definition.Name, key);
                    var aborted = new WorkflowRunResult(1, 1, 0, 1);
                    _telemetry.Outcomes(aborted);
                    return new BatchResult(aborted, ClaimAgain: true);
                }

                // Atomic batches keep no attempt count: a retry request or a failure ends the item as error.
                var decision = OutcomePolicy.Decide(attempt, attemptNumber: 1, options, countsAttempts: false, random: 0);
                outcomes.Add(key, decision.Kind, decision.Reason, decision.Delay);
                if (decision.IsDue)
                {
                    snoozedWithoutNextAttempt |= _definition.NextAttemptColumn is null;
                    earliestDelay = earliestDelay is { } e && e < decision.Delay ? e : decision.Delay;
                }
            }

            if (outcomes.Count > 0)
            {
                using var outcomeActivity = _telemetry.StartOutcomes(outcomes.Count);
                await _store.WriteAtomicOutcomesAsync(db, outcomes).ConfigureAwait(false);
            }

            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);

            // A snoozed row without a next-attempt column is claimable at once; end the run rather than spin on it.
            // With one, the row is due its delay after the commit, at the latest.
            IReadOnlyCollection<DateTimeOffset>? due = earliestDelay is { } delay && _definition.NextAttemptColumn is not null ? [BatchLedger.DueTime(Time.GetUtcNow() + delay)] : null;
            var batch = new WorkflowRunResult(1, outcomes.Count, outcomes.Completed, outcomes.Failed) { Retried = outcomes.Retried, DueTimes = due };
            _telemetry.Outcomes(batch);
            return new BatchResult(batch, ClaimAgain: false, EndRun: snoozedWithoutNextAttempt);
        }
    }
}
