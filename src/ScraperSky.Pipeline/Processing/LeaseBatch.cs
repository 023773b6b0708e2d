using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// One lease-mode batch: one short statement claims (processing, attempts + 1, lease expiry, claim token); the lease
/// keeper holds every claimed row from then on; each item runs in a scope and transaction of its own, at most
/// <see cref="StatusWorkflowOptions.Parallelism"/> at once. An item that wrote through its session commits its outcome
/// in that transaction; every other outcome goes to the completer as soon as the item ends. Every outcome is fenced by
/// the claim token, and every attempt's outcome is decided by the <see cref="OutcomePolicy"/>.
/// </summary>
internal sealed partial class LeaseBatch<TEntity>
    where TEntity : class
{
    private readonly WorkflowDefinition _definition;
    private readonly WorkflowStore<TEntity> _store;
    private readonly KeyReader<TEntity> _keys;
    private readonly Func<TEntity, int> _attempts;
    private readonly ItemInvoker<TEntity> _invoker;
    private readonly LeaseKeeper<TEntity> _keeper;
    private readonly LeaseCompleter<TEntity> _completer;
    private readonly WorkflowTelemetry _telemetry;
    private readonly Func<TEntity, DateTimeOffset?>? _queuedAt;
    private readonly ILogger _logger;

    public LeaseBatch(WorkflowDefinition definition, WorkflowStore<TEntity> store, KeyReader<TEntity> keys, ItemInvoker<TEntity> invoker, LeaseKeeper<TEntity> keeper, LeaseCompleter<TEntity> completer, WorkflowTelemetry telemetry, Func<TEntity, DateTimeOffset?>? queuedAt, ILogger logger)
    {
        _definition = definition;
        _store = store;
        _keys = keys;
        _attempts = KeyReader<TEntity>.IntegerGetter(definition.OptionalColumns.Single(c => c.Column == definition.AttemptsColumn).Property);
        _invoker = invoker;
        _keeper = keeper;
        _completer = completer;
        _telemetry = telemetry;
        _queuedAt = queuedAt;
        _logger = logger;
    }

    private TimeProvider Time => _store.Clock.Time;

    public async Task<BatchResult> RunAsync(StatusWorkflowOptions options, string jobId, LanePool lanePool, CancellationToken stopping, CancellationToken abort)
    {
        var token = ClaimToken.Next();
        Claim<TEntity> claim;
        var claimSession = _store.Sessions.Rent();
        await using (claimSession.ConfigureAwait(false))
        {
            var claimStarted = Stopwatch.GetTimestamp();
            using var claimActivity = _telemetry.StartClaim(jobId, options.Batch.Size);
            try
            {
                // The session may still hold the connection the last batch's final flush kept for this claim.
                claim = await _store.ClaimLeaseAsync(claimSession.Db, options.Batch.Size, options.Lease.Duration, token, abort).ConfigureAwait(false);
            }
            finally
            {
                // Nothing of the store's holds a connection while items run: they may need every one the pool has.
                await claimSession.ReleaseConnectionAsync().ConfigureAwait(false);
            }

            _telemetry.Claimed(claimActivity, claim.Items.Count + claim.Unreadable.Count, claimStarted);
        }

        _telemetry.QueueLag(claim.Items, _queuedAt, Time.GetUtcNow());
        var claimed = claim.Items.Count + claim.Unreadable.Count;
        if (claimed == 0)
        {
            return BatchResult.Empty;
        }

        var ledger = new BatchLedger(claimed);
        var keys = new object?[claimed];
        for (var i = 0; i < claim.Items.Count; i++)
        {
            keys[i] = _keys.Read(claim.Items[i]);
        }

        for (var i = 0; i < claim.Unreadable.Count; i++)
        {
            keys[claim.Items.Count + i] = claim.Unreadable[i].Key;
        }

        // From here until its outcome is written, the keeper keeps every claimed row's lease alive.
        _keeper.Hold(keys, token, () => options);
        foreach (var (key, reason) in claim.Unreadable)
        {
            Complete(ledger, key, token, new Decision(WorkflowSql.ErrorKind, reason, TimeSpan.Zero), attempt: 1);
        }

        // Lanes: at most Parallelism items at once, each lane with one scope (session and processor) that serves its
        // items one after another, and the run's next batches after that, so a run costs a handful of sessions rather
        // than one per item or per batch.
        var batch = new LaneWork(claim.Items, claim.Originals, keys, options, jobId, token, ledger, lanePool, stopping, abort);
        var lanes = new Task[Math.Min(options.Parallelism, claim.Items.Count)];
        for (var lane = 0; lane < lanes.Length; lane++)
        {
            // The last lane starts on this flow (no thread hop: with Parallelism 1 it is the only one); the others move
            // off it, so that lanes of one batch run side by side.
            lanes[lane] = RunLaneAsync(batch, inline: lane == lanes.Length - 1);
        }

        await Task.WhenAll(lanes).ConfigureAwait(false);
        await _completer.FlushAsync().ConfigureAwait(false);

        var result = await ledger.TallyAsync(claimed).ConfigureAwait(false);
        _telemetry.Outcomes(result);
        return new BatchResult(result, ClaimAgain: false);
    }

    private async Task RunLaneAsync(LaneWork work, bool inline)
    {
        if (!inline)
        {
            // Off the caller's thread: lanes of one batch run side by side.
            await Task.Yield();
        }

        Lane? lane = null;
        try
        {
            for (var index = work.Next(); index < work.Items.Count; index = work.Next())
            {
                var item = work.Items[index];
                var key = work.Keys[index];
                if (work.Stopping.IsCancellationRequested)
                {
                    // Claimed but not started: back to the queue without using up the attempt.
                    Complete(work.Ledger, key, work.Token, Decision.Release, attempt: 1);
                    continue;
                }

                try
                {
                    if (lane is null)
                    {
                        lane = work.Lanes.Rent(work.Abort);

                        // The lane's items re-enter one scope installed on this flow for the lane's session.
                        ItemScope.Install(lane.Db, _definition.Name, ItemIsolation.OwnTransaction);
                    }
                }
                catch (Exception ex) when (!work.Abort.IsCancellationRequested)
                {
                    // No session for the item (the pool is exhausted, the database went away): it never started, so
                    // it goes back to the queue with its attempt given back, rather than waiting out its lease.
                    Log.ItemNotStarted(_logger, ex, _definition.Name, key);
                    Complete(work.Ledger, key, work.Token, Decision.Release, attempt: 1);
                    continue;
                }

                if (!await RunItemAsync(lane, item, work.Originals?[index], key, work).ConfigureAwait(false))
                {
                    // The processor was left running on the lane's session: the lane carries on with a new one.
                    lane.Deadline.Dispose();
                    AbandonedSession.DisposeLater(lane.Scope);
                    lane = null;
                }
            }
        }
        finally
        {
            if (lane is not null)
            {
                await work.Lanes.ReturnAsync(lane).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one item on a lane; returns false when its processor was abandoned and still uses the lane's session.</summary>
    private async Task<bool> RunItemAsync(Lane lane, TEntity item, TEntity? original, object? key, LaneWork work)
    {
        var db = lane.Db;
        var options = work.Options;
        var attemptNumber = _attempts(item);
        try
        {
            var token = work.Token;
            var context = new StatusItemContext(_definition.Name, work.JobId, db, attemptNumber)
            {
                LeaseExtender = (duration, ct) => ExtendLeaseAsync(db, key, token, duration ?? options.Lease.Duration, ct),
            };
            var itemStarted = Stopwatch.GetTimestamp();
            using var itemActivity = _telemetry.StartItem(work.JobId, key);
            var attempt = await _invoker.InvokeAsync(db, lane.Processor, item, original, key, context, lane.Deadline, options.ItemTimeout, ItemIsolation.OwnTransaction, AbandonPolicy.OnTimeoutOrAbort, work.Abort).ConfigureAwait(false);
            _telemetry.ItemProcessed(itemActivity, attempt, itemStarted);
            var decision = OutcomePolicy.Decide(attempt, attemptNumber, options, countsAttempts: true, Random.Shared.NextDouble());
            if (attempt.Abandoned)
            {
                await AbandonAsync(work, key, attempt, decision, attemptNumber).ConfigureAwait(false);
                return false;
            }

            var transaction = db.Database.CurrentTransaction;
            if (transaction is null)
            {
                // The item never touched the database: its outcome goes to the completer.
                Complete(work.Ledger, key, token, decision, attemptNumber);
                return true;
            }

            await using (transaction.ConfigureAwait(false))
            {
                if (!attempt.Returned)
                {
                    // A failure's writes are discarded; its outcome goes to the completer.
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    Complete(work.Ledger, key, token, decision, attemptNumber);
                    return true;
                }

                // The processor's writes and its outcome commit together, or not at all.
                var single = new OutcomeBatch(_keys.CreateArray(1), withTokens: true);
                single.Add(key, decision.Kind, decision.Reason, decision.Delay, token);
                var written = await _store.WriteLeaseOutcomesAsync(db, single, CancellationToken.None).ConfigureAwait(false);
                if (written.Count == 1)
                {
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    work.Ledger.Written(key, decision, Time.GetUtcNow());
                }
                else
                {
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    Log.LeaseLost(_logger, _definition.Name, key);
                    work.Ledger.Lost();
                }

                _keeper.Release(key, token);
            }

            return true;
        }
        catch (Exception ex) when (!work.Abort.IsCancellationRequested)
        {
            // The loop's own database work for the item failed (the connection dropped, or the database refused the
            // outcome): nothing of the item committed. It counts as a failed attempt, written by the completer.
            Log.ItemInfrastructureFailed(_logger, ex, _definition.Name, key);
            db.ChangeTracker.Clear();
            if (db.Database.CurrentTransaction is { } broken)
            {
                await broken.DisposeAsync().ConfigureAwait(false);
            }

            var decision = OutcomePolicy.OutcomeNotWritten(ProcessorFailure.Reason(ex), attemptNumber, options, countsAttempts: true, Random.Shared.NextDouble());
            Complete(work.Ledger, key, work.Token, decision, attemptNumber);
            return true;
        }
    }

    /// <summary>
    /// A processor that ignored its cancellation: its session already refuses further commands; its open transaction
    /// (and the row lock it may hold) is ended on the server, so that neither its late writes nor its lock survive, and
    /// then its outcome is written like any other. If its transaction cannot be ended, the row is left to its lease.
    /// </summary>
    private async Task AbandonAsync(LaneWork work, object? key, ItemAttempt attempt, Decision decision, int attemptNumber)
    {
        var ended = await AbandonedSession.EndAsync(_store, _logger, _definition.Name, key, attempt.BackendProcessId).ConfigureAwait(false);
        if (attempt.BackendProcessId is null || ended)
        {
            Complete(work.Ledger, key, work.Token, decision, attemptNumber);
            return;
        }

        // Still locked by a transaction we could not end: writing its outcome would wait on that lock.
        _keeper.Release(key, work.Token);
        work.Ledger.Lost();
    }

    private void Complete(BatchLedger ledger, object? key, string token, Decision decision, int attempt)
        => ledger.Queued(key, decision, _completer.Add(new PendingOutcome(key, token, decision, attempt)));

    private async Task<bool> ExtendLeaseAsync(DbContext itemSession, object? key, string token, TimeSpan duration, CancellationToken cancellationToken)
    {
        var session = _store.Sessions.Rent();
        await using (session.ConfigureAwait(false))
        {
            if (await _store.ExtendLeaseAsync(session.Db, key, token, duration, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        // If the item's own transaction holds the row, the statement above skipped it; extend within that transaction.
        return await _store.ExtendLeaseAsync(itemSession, key, token, duration, cancellationToken).ConfigureAwait(false);
    }
}
