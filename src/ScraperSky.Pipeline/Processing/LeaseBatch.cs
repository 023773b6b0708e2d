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
/// One lease-mode batch: one short statement claims (processing, attempts + 1, lease expiry, claim token); each item
/// runs in a scope and transaction of its own, at most <see cref="StatusWorkflowOptions.Parallelism"/> at once; an
/// item whose processor wrote through its session commits its outcome in that transaction, and every other outcome
/// reaches the database in one batched statement. Every outcome is fenced by the claim token: a late worker whose
/// lease was rescued writes nothing.
/// </summary>
internal sealed class LeaseBatch<TEntity>
    where TEntity : class
{
    private readonly WorkflowDefinition _definition;
    private readonly WorkflowSql _sql;
    private readonly KeyReader<TEntity> _keys;
    private readonly Func<TEntity, int> _attempts;
    private readonly ItemInvoker<TEntity> _invoker;
    private readonly WorkflowClock _clock;
    private readonly IServiceScopeFactory _scopes;
    private readonly WorkflowTelemetry _telemetry;
    private readonly Func<TEntity, DateTimeOffset?>? _queuedAt;
    private readonly ILogger _logger;

    public LeaseBatch(WorkflowDefinition definition, WorkflowSql sql, KeyReader<TEntity> keys, ItemInvoker<TEntity> invoker, WorkflowClock clock, IServiceScopeFactory scopes, WorkflowTelemetry telemetry, Func<TEntity, DateTimeOffset?>? queuedAt, ILogger logger)
    {
        _telemetry = telemetry;
        _queuedAt = queuedAt;
        _definition = definition;
        _sql = sql;
        _keys = keys;
        _attempts = KeyReader<TEntity>.IntegerGetter(definition.OptionalColumns.Single(c => c.Column == definition.AttemptsColumn).Property);
        _invoker = invoker;
        _clock = clock;
        _scopes = scopes;
        _logger = logger;
    }

    public async Task<BatchResult> RunAsync(StatusWorkflowOptions options, string jobId, CancellationToken stopping, CancellationToken abort)
    {
        var token = ClaimToken.Next();
        Claim<TEntity> claim;
        var claimScope = _scopes.CreateAsyncScope();
        await using (claimScope.ConfigureAwait(false))
        {
            var claimStarted = Stopwatch.GetTimestamp();
            using var claimActivity = _telemetry.StartClaim(jobId, options.BatchSize);
            claim = await ClaimAsync((DbContext)claimScope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType), options, token, abort).ConfigureAwait(false);
            _telemetry.Claimed(claimActivity, claim.Items.Count + claim.Unreadable.Count, claimStarted);
        }

        _telemetry.QueueLag(claim.Items, _queuedAt, _clock.Time.GetUtcNow());

        var claimed = claim.Items.Count + claim.Unreadable.Count;
        if (claimed == 0)
        {
            return BatchResult.Empty;
        }

        var outcomes = new OutcomeBatch(_keys.CreateArray(claimed));
        var ownTransaction = new OwnTransactionCounts();
        foreach (var (key, reason) in claim.Unreadable)
        {
            outcomes.Add(key, WorkflowSql.ErrorKind, reason);
        }

        // Lanes: at most Parallelism items at once, each lane with one scope (session and processor) that serves its
        // items one after another, so a batch costs a handful of sessions rather than one per item.
        var next = -1;
        var lanes = new Task[Math.Min(options.Parallelism, claim.Items.Count)];
        for (var lane = 0; lane < lanes.Length; lane++)
        {
            lanes[lane] = RunLaneAsync(claim.Items, () => Interlocked.Increment(ref next), options, jobId, token, outcomes, ownTransaction, stopping, abort);
        }

        await Task.WhenAll(lanes).ConfigureAwait(false);

        var lost = ownTransaction.Lost;
        if (outcomes.Count > 0)
        {
            using var outcomeActivity = _telemetry.StartOutcomes(outcomes.Count);
            lost += await WriteAsync(outcomes, token).ConfigureAwait(false);
        }

        var result = new WorkflowRunResult(
            1,
            claimed,
            outcomes.Completed + ownTransaction.Completed,
            outcomes.Failed + ownTransaction.Failed)
        {
            Retried = outcomes.Retried + ownTransaction.Retried,
            Lost = lost,
        };
        _telemetry.Outcomes(result);
        return new BatchResult(result, ClaimAgain: false);
    }

    private async Task RunLaneAsync(
        IReadOnlyList<TEntity> items, Func<int> nextIndex, StatusWorkflowOptions options, string jobId, string token,
        OutcomeBatch outcomes, OwnTransactionCounts ownTransaction, CancellationToken stopping, CancellationToken abort)
    {
        // Off the caller's thread: lanes of one batch run side by side.
        await Task.Yield();
        Lane? lane = null;
        try
        {
            for (var index = nextIndex(); index < items.Count; index = nextIndex())
            {
                var item = items[index];
                var key = _keys.Read(item);
                if (stopping.IsCancellationRequested)
                {
                    // Claimed but not started: back to the queue without using up the attempt.
                    Add(outcomes, key, new Decision(WorkflowSql.ReleaseKind, null, TimeSpan.Zero));
                    continue;
                }

                try
                {
                    lane ??= OpenLane(abort);
                }
                catch (Exception ex) when (!abort.IsCancellationRequested)
                {
                    // No session for the item (the pool is exhausted, the database went away): it never started, so
                    // it goes back to the queue with its attempt given back, rather than waiting out its lease.
                    Log.ItemNotStarted(_logger, ex, _definition.Name, key);
                    Add(outcomes, key, new Decision(WorkflowSql.ReleaseKind, null, TimeSpan.Zero));
                    continue;
                }

                if (!await RunItemAsync(lane, item, key, options, jobId, token, outcomes, ownTransaction, abort).ConfigureAwait(false))
                {
                    // The processor was left running on the lane's session: the lane carries on with a new one.
                    lane.Deadline.Dispose();
                    _ = DisposeWhenIdleAsync(lane.Scope);
                    lane = null;
                }
            }
        }
        finally
        {
            if (lane is not null)
            {
                lane.Deadline.Dispose();
                await lane.Scope.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private Lane OpenLane(CancellationToken abort)
    {
        var scope = _scopes.CreateAsyncScope();
        var db = (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType);

        // The item's transaction begins at its first command (LoopTransactionGuard); EF must not wrap SaveChanges in
        // a transaction of its own, which it would commit before the item's outcome.
        db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        db.Database.AutoSavepointsEnabled = false;
        var processor = (IStatusItemProcessor<TEntity>)scope.ServiceProvider.GetRequiredService(_definition.Registration.ProcessorType);
        return new Lane(scope, db, processor, new ItemDeadline(_clock.Time, abort));
    }

    /// <summary>Runs one item on a lane; returns false when its processor was abandoned and still uses the lane's session.</summary>
    private async Task<bool> RunItemAsync(Lane lane, TEntity item, object? key, StatusWorkflowOptions options, string jobId, string token, OutcomeBatch outcomes, OwnTransactionCounts ownTransaction, CancellationToken abort)
    {
        var db = lane.Db;
        try
        {
            var attemptNumber = _attempts(item);
            var context = new StatusItemContext(_definition.Name, jobId, db, attemptNumber)
            {
                LeaseExtender = (duration, ct) => ExtendLeaseAsync(db, key, token, duration ?? options.LeaseDuration, ct),
            };
            var itemStarted = Stopwatch.GetTimestamp();
            using var itemActivity = _telemetry.StartItem(jobId, key);
            var attempt = await _invoker.InvokeAsync(db, lane.Processor, item, key, context, lane.Deadline, options.ItemTimeout, ItemIsolation.OwnTransaction, mayAbandon: true, abort).ConfigureAwait(false);
            _telemetry.ItemProcessed(itemActivity, attempt, itemStarted);
            var decision = Decide(attempt, attemptNumber, options);
            if (attempt.Abandoned)
            {
                Add(outcomes, key, decision);
                return false;
            }

            var transaction = db.Database.CurrentTransaction;
            if (transaction is null)
            {
                // The item never touched the database: its outcome joins the batch's one statement.
                Add(outcomes, key, decision);
                return true;
            }

            await using (transaction.ConfigureAwait(false))
            {
                if (!attempt.Returned)
                {
                    // A failure's writes are discarded; its outcome joins the batch's statement.
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    Add(outcomes, key, decision);
                    return true;
                }

                // The processor's writes and its outcome commit together, or not at all.
                var single = new OutcomeBatch(_keys.CreateArray(1));
                single.Add(key, decision.Kind, decision.Reason, decision.Delay);
                var written = await ExecuteOutcomesAsync(db, single, token, CancellationToken.None).ConfigureAwait(false);
                if (written.Count == 1)
                {
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    ownTransaction.Count(decision.Kind);
                }
                else
                {
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    Log.LeaseLost(_logger, _definition.Name, key);
                    ownTransaction.CountLost();
                }
            }

            return true;
        }
        catch (Exception ex) when (!abort.IsCancellationRequested)
        {
            // The loop's own database work for the item failed (the connection dropped while writing the outcome):
            // nothing of the item committed. Queue it again through the batch's statement; if that fails too, the row
            // stays processing under this claim until its lease expires and the rescuer returns it.
            Log.ItemInfrastructureFailed(_logger, ex, _definition.Name, key);
            Add(outcomes, key, new Decision(WorkflowSql.RetryKind, "the outcome could not be written: " + ProcessorFailure.Reason(ex), options.RetryDelay));
            db.ChangeTracker.Clear();
            if (db.Database.CurrentTransaction is { } broken)
            {
                await broken.DisposeAsync().ConfigureAwait(false);
            }

            return true;
        }
    }

    private static async Task DisposeWhenIdleAsync(AsyncServiceScope scope)
    {
        // Give an abandoned processor a generous window to notice its cancelled token before the session goes away.
        await Task.Delay(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        await scope.DisposeAsync().ConfigureAwait(false);
    }

    private static Decision Decide(ItemAttempt attempt, int attemptNumber, StatusWorkflowOptions options)
    {
        if (attempt.Stopped)
        {
            return new Decision(WorkflowSql.ReleaseKind, null, TimeSpan.Zero);
        }

        if (attempt.Returned)
        {
            switch (attempt.Result.Kind)
            {
                case ItemResultKind.Completed:
                    return new Decision(WorkflowSql.CompletedKind, null, TimeSpan.Zero);
                case ItemResultKind.Failed:
                    return new Decision(WorkflowSql.ErrorKind, attempt.Reason, TimeSpan.Zero);
                case ItemResultKind.Snooze:
                    return new Decision(WorkflowSql.SnoozeKind, null, attempt.Result.Delay ?? TimeSpan.Zero);
            }
        }

        var reason = attempt.Reason ?? "failed";
        if (attemptNumber >= options.MaxAttempts)
        {
            return new Decision(WorkflowSql.ErrorKind, options.MaxAttempts > 1 ? $"{reason} (gave up after {attemptNumber} attempts)" : reason, TimeSpan.Zero);
        }

        var delay = attempt.Returned && attempt.Result.Delay is { } requested ? requested : RetryPolicy.Delay(options, attemptNumber, Random.Shared.NextDouble());
        return new Decision(WorkflowSql.RetryKind, reason, delay);
    }

    private static void Add(OutcomeBatch outcomes, object? key, Decision decision)
    {
        lock (outcomes)
        {
            outcomes.Add(key, decision.Kind, decision.Reason, decision.Delay);
        }
    }

    private async Task<Claim<TEntity>> ClaimAsync(DbContext db, StatusWorkflowOptions options, string token, CancellationToken abort)
    {
        try
        {
            var items = await db.Set<TEntity>()
                .FromSqlRaw(_sql.LeaseClaim!, ClaimParameters(options, token))
                .AsNoTracking()
                .ToListAsync(abort)
                .ConfigureAwait(false);
            return new Claim<TEntity>(items, []);
        }
        catch (Exception ex) when (RowReader.IsMaterializationFailure(ex))
        {
            // The claim committed but a row cannot be read: find what this token holds and read rows one at a time.
            Log.UnreadableRowInBatch(_logger, ex, _definition.Name);
            var keys = await RowReader.ReadKeysAsync(db, _sql.ClaimedKeys!, [new NpgsqlParameter(WorkflowSql.TokenParameter, token)], abort).ConfigureAwait(false);
            return await RowReader.ReadOneByOneAsync<TEntity>(db, _sql, keys, abort).ConfigureAwait(false);
        }
    }

    private NpgsqlParameter[] ClaimParameters(StatusWorkflowOptions options, string token)
    {
        var parameters = new List<NpgsqlParameter>
        {
            new(WorkflowSql.BatchSizeParameter, options.BatchSize),
            new(WorkflowSql.LeaseParameter, options.LeaseDuration),
            new(WorkflowSql.TokenParameter, token),
            _clock.NowParameter(),
        };
        if (_definition.Filter is { } filter)
        {
            parameters.AddRange(filter.CreateParameters());
        }

        return parameters.ToArray();
    }

    /// <summary>Writes a batch of outcomes on a session of its own; returns how many were refused because the claim was lost.</summary>
    private async Task<int> WriteAsync(OutcomeBatch outcomes, string token)
    {
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType);
            var written = await ExecuteOutcomesAsync(db, outcomes, token, CancellationToken.None).ConfigureAwait(false);
            if (written.Count == outcomes.Count)
            {
                return 0;
            }

            var writtenKeys = written.ToHashSet();
            for (var i = 0; i < outcomes.Count; i++)
            {
                if (!writtenKeys.Contains(outcomes.KeyAt(i)))
                {
                    Log.LeaseLost(_logger, _definition.Name, outcomes.KeyAt(i));
                }
            }

            return outcomes.Count - written.Count;
        }
    }

    private Task<List<object?>> ExecuteOutcomesAsync(DbContext db, OutcomeBatch outcomes, string token, CancellationToken cancellationToken)
    {
        var parameters = new List<NpgsqlParameter>(outcomes.ToParameters())
        {
            new(WorkflowSql.TokenParameter, token),
            _clock.NowParameter(),
        };
        return RowReader.ReadKeysAsync(db, _sql.WriteLeaseOutcomes!, parameters, cancellationToken);
    }

    private async Task<bool> ExtendLeaseAsync(DbContext itemSession, object? key, string token, TimeSpan duration, CancellationToken cancellationToken)
    {
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType);
            if (await ExecuteExtendAsync(db, key, token, duration, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        // If the item's own transaction holds the row, the statement above skipped it; extend within that transaction.
        return await ExecuteExtendAsync(itemSession, key, token, duration, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> ExecuteExtendAsync(DbContext db, object? key, string token, TimeSpan duration, CancellationToken cancellationToken)
    {
        var affected = await db.Database.ExecuteSqlRawAsync(
            _sql.ExtendLease!,
            [
                new NpgsqlParameter(WorkflowSql.KeyParameter, key),
                new NpgsqlParameter(WorkflowSql.TokenParameter, token),
                new NpgsqlParameter(WorkflowSql.LeaseParameter, duration),
                _clock.NowParameter(),
            ],
            cancellationToken).ConfigureAwait(false);
        return affected == 1;
    }

    private readonly record struct Decision(short Kind, string? Reason, TimeSpan Delay);

    /// <summary>A lane's scope, session and processor, reused by the lane's items one after another.</summary>
    private sealed record Lane(AsyncServiceScope Scope, DbContext Db, IStatusItemProcessor<TEntity> Processor, ItemDeadline Deadline);

    /// <summary>Counts of items whose outcome committed in their own transaction (thread-safe).</summary>
    private sealed class OwnTransactionCounts
    {
        private int _completed;
        private int _failed;
        private int _retried;
        private int _lost;

        public int Completed => _completed;

        public int Failed => _failed;

        public int Retried => _retried;

        public int Lost => _lost;

        public void Count(short kind)
        {
            switch (kind)
            {
                case WorkflowSql.CompletedKind:
                    Interlocked.Increment(ref _completed);
                    break;
                case WorkflowSql.ErrorKind:
                    Interlocked.Increment(ref _failed);
                    break;
                case WorkflowSql.RetryKind:
                case WorkflowSql.SnoozeKind:
                    Interlocked.Increment(ref _retried);
                    break;
            }
        }

        public void CountLost() => Interlocked.Increment(ref _lost);
    }
}
