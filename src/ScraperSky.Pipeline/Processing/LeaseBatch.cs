using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
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

        if (options.Parallelism <= 1 || claim.Items.Count == 1)
        {
            foreach (var item in claim.Items)
            {
                await RunItemAsync(item, options, jobId, token, outcomes, ownTransaction, stopping, abort).ConfigureAwait(false);
            }
        }
        else
        {
            await Parallel.ForEachAsync(
                claim.Items,
                new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism },
                (item, _) => new ValueTask(RunItemAsync(item, options, jobId, token, outcomes, ownTransaction, stopping, abort))).ConfigureAwait(false);
        }

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

    private async Task RunItemAsync(TEntity item, StatusWorkflowOptions options, string jobId, string token, OutcomeBatch outcomes, OwnTransactionCounts ownTransaction, CancellationToken stopping, CancellationToken abort)
    {
        var key = _keys.Read(item);
        if (stopping.IsCancellationRequested)
        {
            // Claimed but not started: back to the queue without using up the attempt.
            Add(outcomes, key, new Decision(WorkflowSql.ReleaseKind, null, TimeSpan.Zero));
            return;
        }

        var attemptNumber = _attempts(item);
        var scope = _scopes.CreateAsyncScope();
        var abandoned = false;
        try
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType);
            db.Database.AutoSavepointsEnabled = false;

            // Npgsql sends BEGIN with the first command, so an item that never touches the database costs no round trip here.
            var transaction = await db.Database.BeginTransactionAsync(abort).ConfigureAwait(false);
            var processor = (IStatusItemProcessor<TEntity>)scope.ServiceProvider.GetRequiredService(_definition.Registration.ProcessorType);
            var context = new StatusItemContext(_definition.Name, jobId, db, attemptNumber)
            {
                LeaseExtender = (duration, ct) => ExtendLeaseAsync(db, key, token, duration ?? options.LeaseDuration, ct),
            };
            var itemStarted = Stopwatch.GetTimestamp();
            using var itemActivity = _telemetry.StartItem(jobId, key);
            var attempt = await _invoker.InvokeAsync(db, processor, item, key, context, options.ItemTimeout, useSavepoint: false, mayAbandon: true, abort).ConfigureAwait(false);
            _telemetry.ItemProcessed(itemActivity, attempt, itemStarted);
            var decision = Decide(attempt, attemptNumber, options);
            if (attempt.Abandoned)
            {
                // The processor still runs on this scope's session; dispose it when the processor ends.
                abandoned = true;
                Add(outcomes, key, decision);
                return;
            }

            if (attempt.Returned && attempt.Touched)
            {
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

                return;
            }

            await transaction.DisposeAsync().ConfigureAwait(false);
            Add(outcomes, key, decision);
        }
        catch (Exception ex) when (!abort.IsCancellationRequested)
        {
            // The loop's own database work for the item failed (the connection dropped…): the row stays processing
            // under this claim until its lease expires and the rescuer returns it.
            Log.ItemInfrastructureFailed(_logger, ex, _definition.Name, key);
        }
        finally
        {
            if (!abandoned)
            {
                await scope.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                _ = DisposeWhenIdleAsync(scope);
            }
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
