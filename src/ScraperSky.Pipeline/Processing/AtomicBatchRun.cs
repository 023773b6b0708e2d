using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// One atomic batch: one transaction claims with <c>FOR UPDATE SKIP LOCKED</c>, runs every processor, writes every
/// outcome in one statement and commits. A crash rolls it all back and the rows are still queued. A batch whose
/// transaction breaks is rolled back and its rows run alone (<see cref="AtomicIsolation{TEntity}"/>).
/// </summary>
internal sealed class AtomicBatchRun<TEntity>
    where TEntity : class
{
    private readonly WorkflowDefinition _definition;
    private readonly WorkflowStore<TEntity> _store;
    private readonly KeyReader<TEntity> _keys;
    private readonly ItemInvoker<TEntity> _invoker;
    private readonly WorkflowTelemetry _telemetry;
    private readonly Func<TEntity, DateTimeOffset?>? _queuedAt;
    private readonly ILogger _logger;
    private readonly IServiceScopeFactory _scopes;
    private readonly AtomicIsolation<TEntity> _isolation;

    public AtomicBatchRun(WorkflowDefinition definition, WorkflowStore<TEntity> store, KeyReader<TEntity> keys, ItemInvoker<TEntity> invoker, WorkflowTelemetry telemetry, Func<TEntity, DateTimeOffset?>? queuedAt, IServiceScopeFactory scopes, ILogger logger)
    {
        _scopes = scopes;
        _isolation = new AtomicIsolation<TEntity>(definition, store, keys, invoker, telemetry, logger);
        _telemetry = telemetry;
        _queuedAt = queuedAt;
        _definition = definition;
        _store = store;
        _keys = keys;
        _invoker = invoker;
        _logger = logger;
    }

    private TimeProvider Time => _store.Clock.Time;

    public async Task<BatchResult> RunAsync(AsyncServiceScope scope, StatusWorkflowOptions options, string jobId, CancellationToken stopping, CancellationToken abort)
    {
        var db = (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType);

        // The loop isolates each item with a savepoint of its own, opened only if the item touches the database;
        // EF's automatic savepoint around SaveChanges would be a second, redundant round trip.
        db.Database.AutoSavepointsEnabled = false;
        var transaction = await db.Database.BeginTransactionAsync(abort).ConfigureAwait(false);
        var backend = (db.Database.GetDbConnection() as NpgsqlConnection)?.ProcessID;
        var claimedKeys = new List<object?>();
        string? culprit = null;
        object? culpritKey = null;
        var abandoned = false;
        try
        {
            Claim<TEntity> claim;
            var claimStarted = Stopwatch.GetTimestamp();
            using (var claimActivity = _telemetry.StartClaim(jobId, options.Batch.Size))
            {
                claim = await _store.ClaimAtomicAsync(db, options.Batch.Size, abort).ConfigureAwait(false);
                _telemetry.Claimed(claimActivity, claim.Items.Count + claim.Unreadable.Count, claimStarted);
            }

            _telemetry.QueueLag(claim.Items, _queuedAt, Time.GetUtcNow());
            if (claim.Items.Count == 0 && claim.Unreadable.Count == 0)
            {
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return BatchResult.Empty;
            }

            foreach (var item in claim.Items)
            {
                claimedKeys.Add(_keys.Read(item));
            }

            // The outcome statement is fenced by this transaction's id: it writes nothing if the transaction ended on
            // the way (a COMMIT sent around the session), and the loop then isolates the batch's rows.
            var xid = claim.TransactionId ?? await _store.TransactionIdAsync(db, abort).ConfigureAwait(false);
            var processor = (IStatusItemProcessor<TEntity>)scope.ServiceProvider.GetRequiredService(_definition.Registration.ProcessorType);
            var outcomes = new OutcomeBatch(_keys.CreateArray(claim.Items.Count + claim.Unreadable.Count));
            foreach (var (key, reason) in claim.Unreadable)
            {
                outcomes.Add(key, WorkflowSql.ErrorKind, reason);
            }

            // One context serves every item of the batch: same workflow, job, session and attempt (1). The item scope is
            // installed once for the batch's session and re-entered by each item.
            var context = new StatusItemContext(_definition.Name, jobId, db, attempt: 1);
            ItemScope.Install(db, _definition.Name, ItemIsolation.Savepoint);
            var snoozedWithoutNextAttempt = false;
            List<object?>? alone = null;
            using var deadline = new ItemDeadline(Time, abort);
            TimeSpan? earliestDelay = null;
            for (var i = 0; i < claim.Items.Count; i++)
            {
                if (stopping.IsCancellationRequested)
                {
                    // Unprocessed rows were only locked: the commit releases them, still queued.
                    break;
                }

                var item = claim.Items[i];
                var key = claimedKeys[i];
                if (_isolation.IsSuspect(key))
                {
                    // Its last batch broke: it runs alone after this one commits, so it cannot take this one down.
                    (alone ??= []).Add(key);
                    continue;
                }

                var itemStarted = Stopwatch.GetTimestamp();
                ItemAttempt attempt;
                using (var itemActivity = _telemetry.StartItem(jobId, key))
                {
                    attempt = await _invoker.InvokeAsync(db, processor, item, claim.Originals?[i], key, context, deadline, options.ItemTimeout, ItemIsolation.Savepoint, AbandonPolicy.OnAbort, abort).ConfigureAwait(false);
                    _telemetry.ItemProcessed(itemActivity, attempt, itemStarted);
                }

                if (attempt.Abandoned)
                {
                    // The host's shutdown timeout passed and the processor ignored it: end the batch's transaction on
                    // the server, so that nothing commits after the host says it stopped; the rows stay queued.
                    abandoned = true;
                    await AbandonedSession.EndAsync(_store, _logger, _definition.Name, null, backend).ConfigureAwait(false);
                    return new BatchResult(new WorkflowRunResult(1, 0, 0, 0), ClaimAgain: false, EndRun: true) { SessionAbandoned = true };
                }

                if (attempt.Stopped)
                {
                    break;
                }

                if (!attempt.Touched && attempt.Failure is not null && ProcessorFailure.IsDatabaseError(attempt.Failure))
                {
                    // A command that bypassed the session failed and aborted the shared transaction: nothing of this
                    // batch can be saved. The culprit is known; the batch is isolated all the same.
                    culprit = attempt.Reason;
                    culpritKey = key;
                    throw new BrokenTransactionException(attempt.Reason ?? "a database error outside its savepoint");
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
                if (await _store.WriteAtomicOutcomesAsync(db, outcomes, xid).ConfigureAwait(false) < outcomes.Count
                    && await _store.TransactionIdIfAssignedAsync(db).ConfigureAwait(false) != xid)
                {
                    throw new BrokenTransactionException("the batch's transaction ended before its outcomes were written (a COMMIT or ROLLBACK was sent around the session)");
                }
            }

            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);

            // A snoozed row without a next-attempt column is claimable at once; end the run rather than spin on it.
            // With one, the row is due its delay after the commit, at the latest.
            IReadOnlyCollection<DateTimeOffset>? due = earliestDelay is { } delay && _definition.NextAttemptColumn is not null ? [BatchLedger.DueTime(Time.GetUtcNow() + delay)] : null;
            var batch = new WorkflowRunResult(1, outcomes.Count, outcomes.Completed, outcomes.Failed) { Retried = outcomes.Retried, DueTimes = due };
            _telemetry.Outcomes(batch);
            if (alone is not null)
            {
                batch += await _isolation.RunAloneAsync(alone, _scopes, options, jobId, stopping, abort).ConfigureAwait(false);
            }

            return new BatchResult(batch, ClaimAgain: alone is not null, EndRun: snoozedWithoutNextAttempt);
        }
        catch (Exception ex) when (claimedKeys.Count > 0 && !abort.IsCancellationRequested && !abandoned && ex is not OperationCanceledException)
        {
            // The batch's transaction broke. Its rows become suspects and run alone, so that the one that breaks its
            // own transaction is found; its batch-mates lose this batch's work at most once.
            await TryRollbackAsync(transaction).ConfigureAwait(false);
            Log.AtomicBatchBroken(_logger, ex, _definition.Name, claimedKeys.Count);
            _isolation.Suspect(claimedKeys);
            var result = new WorkflowRunResult(1, 0, 0, 0);
            if (culpritKey is not null && await _isolation.CountFailureAsync(culpritKey, culprit ?? ProcessorFailure.Reason(ex), options).ConfigureAwait(false))
            {
                result = new WorkflowRunResult(1, 1, 0, 1);
                claimedKeys.Remove(culpritKey);
            }

            result += await _isolation.RunAloneAsync(claimedKeys, _scopes, options, jobId, stopping, abort).ConfigureAwait(false);
            _telemetry.Outcomes(result);
            return new BatchResult(result, ClaimAgain: true);
        }
        finally
        {
            if (!abandoned)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Rolls back what may be left of a broken transaction; a connection that is gone has nothing to roll back.</summary>
    internal static async Task TryRollbackAsync(IDbContextTransaction transaction)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // Broken connection or no transaction on the server: nothing to undo.
        }
    }
}
