using System.Collections.Concurrent;
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
/// What an atomic batch does when its transaction breaks (an item killed its connection, sent a <c>COMMIT</c> around
/// the session, outlived the server's idle timeout, or made the commit fail): the batch's rows become suspects, and
/// each suspect runs alone, in a transaction of its own, so that the row that breaks its own transaction is found and
/// its batch-mates are taken down with it at most once. A failure counts against the row that broke its own
/// transaction: as an attempt when the workflow has an attempts column (error after <c>MaxAttempts</c>), otherwise in
/// memory on this host, and the row ends as error after <see cref="MaxIsolatedFailures"/> of them. A suspect claimed
/// by a later batch is left out of it and run alone after that batch commits.
/// </summary>
internal sealed class AtomicIsolation<TEntity>
    where TEntity : class
{
    /// <summary>How many times a row without an attempts column may break its own transaction before it ends as error.</summary>
    public const int MaxIsolatedFailures = 3;

    private readonly ConcurrentDictionary<object, int> _suspects = new();
    private readonly WorkflowDefinition _definition;
    private readonly WorkflowStore<TEntity> _store;
    private readonly KeyReader<TEntity> _keys;
    private readonly ItemInvoker<TEntity> _invoker;
    private readonly WorkflowTelemetry _telemetry;
    private readonly ILogger _logger;

    public AtomicIsolation(WorkflowDefinition definition, WorkflowStore<TEntity> store, KeyReader<TEntity> keys, ItemInvoker<TEntity> invoker, WorkflowTelemetry telemetry, ILogger logger)
    {
        _definition = definition;
        _store = store;
        _keys = keys;
        _invoker = invoker;
        _telemetry = telemetry;
        _logger = logger;
    }

    /// <summary>Whether a row is to run alone (its batch broke and it has not run alone since).</summary>
    public bool IsSuspect(object? key) => key is not null && _suspects.ContainsKey(key);

    /// <summary>Marks the rows of a broken batch to run alone.</summary>
    public void Suspect(IEnumerable<object?> keys)
    {
        foreach (var key in keys)
        {
            if (key is not null)
            {
                _suspects.TryAdd(key, 0);
            }
        }
    }

    /// <summary>Counts a broken transaction against a row; returns whether the row ended as error.</summary>
    public async Task<bool> CountFailureAsync(object? key, string reason, StatusWorkflowOptions options)
    {
        var failures = key is null ? MaxIsolatedFailures : _suspects.AddOrUpdate(key, 1, static (_, n) => n + 1);
        var final = failures >= MaxIsolatedFailures;
        var text = $"broke its transaction: {reason}";
        var ended = await _store.CountIsolatedFailureAsync(key, final && _definition.AttemptsColumn is null ? $"{text} (gave up after {failures} isolated attempts)" : text, options.Retry.MaxAttempts, final).ConfigureAwait(false);
        Log.ItemBrokeItsTransaction(_logger, _definition.Name, key, failures, ended, reason);
        if (ended && key is not null)
        {
            _suspects.TryRemove(key, out _);
        }

        return ended;
    }

    /// <summary>Runs each row alone, in a transaction of its own; stops early when the host stops or the database is gone.</summary>
    public async Task<WorkflowRunResult> RunAloneAsync(IReadOnlyList<object?> keys, IServiceScopeFactory scopes, StatusWorkflowOptions options, string jobId, CancellationToken stopping, CancellationToken abort)
    {
        var total = default(WorkflowRunResult);
        foreach (var key in keys)
        {
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            var scope = scopes.CreateAsyncScope();
            var alone = await RunOneAsync(scope, key, options, jobId, abort).ConfigureAwait(false);
            if (alone.Abandoned)
            {
                // The processor still uses the session: leave it to itself for a while (its transaction was ended).
                AbandonedSession.DisposeLater(scope);
                break;
            }

            await scope.DisposeAsync().ConfigureAwait(false);
            total += alone.Result;
        }

        return total;
    }

    private async Task<(WorkflowRunResult Result, bool Abandoned)> RunOneAsync(AsyncServiceScope scope, object? key, StatusWorkflowOptions options, string jobId, CancellationToken abort)
    {
        var db = (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType);
        db.Database.AutoSavepointsEnabled = false;
        var transaction = await db.Database.BeginTransactionAsync(abort).ConfigureAwait(false);
        var backend = (db.Database.GetDbConnection() as NpgsqlConnection)?.ProcessID;
        var processorRan = false;
        var abandoned = false;
        try
        {
            var claim = await _store.ClaimAtomicOneAsync(db, key, abort).ConfigureAwait(false);
            var outcomes = new OutcomeBatch(_keys.CreateArray(1));
            if (claim.Items.Count == 0)
            {
                if (claim.Unreadable.Count == 1)
                {
                    outcomes.Add(key, WorkflowSql.ErrorKind, claim.Unreadable[0].Reason);
                }
                else
                {
                    // No longer claimable (done by another host, or no longer queued): nothing to isolate.
                    Forgive(key);
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    return (default, false);
                }
            }

            var xid = await _store.TransactionIdAsync(db, abort).ConfigureAwait(false);
            if (claim.Items.Count == 1)
            {
                var item = claim.Items[0];
                var processor = (IStatusItemProcessor<TEntity>)scope.ServiceProvider.GetRequiredService(_definition.Registration.ProcessorType);
                var context = new StatusItemContext(_definition.Name, jobId, db, attempt: 1);
                using var deadline = new ItemDeadline(_store.Clock.Time, abort);
                processorRan = true;
                var started = Stopwatch.GetTimestamp();
                using var activity = _telemetry.StartItem(jobId, key);
                var attempt = await _invoker.InvokeAsync(db, processor, item, claim.Originals?[0], key, context, deadline, options.ItemTimeout, ItemIsolation.Savepoint, AbandonPolicy.OnAbort, abort).ConfigureAwait(false);
                _telemetry.ItemProcessed(activity, attempt, started);
                if (attempt.Abandoned)
                {
                    abandoned = true;
                    await AbandonedSession.EndAsync(_store, _logger, _definition.Name, key, backend).ConfigureAwait(false);
                    return (default, true);
                }

                if (attempt.Stopped)
                {
                    await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    return (default, false);
                }

                if (!attempt.Touched && attempt.Failure is not null && ProcessorFailure.IsDatabaseError(attempt.Failure))
                {
                    throw new BrokenTransactionException(attempt.Reason ?? "a database error outside its savepoint");
                }

                var decision = OutcomePolicy.Decide(attempt, attemptNumber: 1, options, countsAttempts: false, random: 0);
                outcomes.Add(key, decision.Kind, decision.Reason, decision.Delay);
            }

            if (await _store.WriteAtomicOutcomesAsync(db, outcomes, xid).ConfigureAwait(false) < 1
                && await _store.TransactionIdIfAssignedAsync(db).ConfigureAwait(false) != xid)
            {
                throw new BrokenTransactionException("its transaction ended before its outcome was written (a COMMIT or ROLLBACK was sent around the session)");
            }

            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            Forgive(key);
            var result = new WorkflowRunResult(1, 1, outcomes.Completed, outcomes.Failed) { Retried = outcomes.Retried };
            _telemetry.Outcomes(result);
            return (result, false);
        }
        catch (Exception ex) when (processorRan && !abort.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // Alone in its transaction, the row broke it itself.
            await AtomicBatchRun<TEntity>.TryRollbackAsync(transaction).ConfigureAwait(false);
            var ended = await CountFailureAsync(key, ProcessorFailure.Reason(ex), options).ConfigureAwait(false);
            return (new WorkflowRunResult(1, 1, 0, ended ? 1 : 0), false);
        }
        finally
        {
            if (!abandoned)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void Forgive(object? key)
    {
        if (key is not null)
        {
            _suspects.TryRemove(key, out _);
        }
    }
}

/// <summary>An atomic batch's (or isolated row's) transaction broke: the loop isolates its rows.</summary>
internal sealed class BrokenTransactionException(string message) : Exception(message);
