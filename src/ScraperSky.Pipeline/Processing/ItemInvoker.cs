using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// Runs the processor for one item on a session whose transaction the caller began: attaches the item, guards the
/// transaction, enforces the item timeout, saves the item's changes, and turns whatever happened into an
/// <see cref="ItemAttempt"/>. Both claim modes share it; what they do with the attempt differs.
/// </summary>
internal sealed class ItemInvoker<TEntity>
    where TEntity : class
{
    /// <summary>How long a timed-out processor gets to honour its cancellation before lease mode walks away from it.</summary>
    internal static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(2);

    private readonly WorkflowDefinition _definition;
    private readonly ILogger _logger;

    public ItemInvoker(WorkflowDefinition definition, ILogger logger, TimeProvider time)
    {
        _definition = definition;
        _logger = logger;
    }

    /// <summary>Runs the processor for one item and reports what happened.</summary>
    /// <param name="db">The item's session, its transaction begun.</param>
    /// <param name="processor">The processor, resolved from the session's scope.</param>
    /// <param name="item">The claimed row.</param>
    /// <param name="key">The row's key, for logs.</param>
    /// <param name="context">What the processor is told about the item.</param>
    /// <param name="deadline">The batch's or lane's deadline, armed here with <paramref name="timeout"/> for this item.</param>
    /// <param name="timeout">The item timeout.</param>
    /// <param name="isolation">A savepoint in the batch's transaction (atomic batch), or a transaction of the item's own begun at its first command (lease mode).</param>
    /// <param name="abandon">When a processor that ignores its cancellation is left running: on its timeout or the
    /// host's abort (lease mode: its session is its own), or only on the abort (atomic batch: the batch's transaction
    /// is shared, so a timed-out processor is waited for).</param>
    /// <param name="abort">The host's abort signal.</param>
    public async Task<ItemAttempt> InvokeAsync(
        DbContext db, IStatusItemProcessor<TEntity> processor, TEntity item, object? key, StatusItemContext context,
        ItemDeadline deadline, TimeSpan timeout, ItemIsolation isolation, AbandonPolicy abandon, CancellationToken abort)
    {
        db.Attach(item);
        var token = deadline.Start(timeout);
        try
        {
            return await InvokeAsync(db, processor, item, key, context, deadline, token, timeout, isolation, abandon, abort).ConfigureAwait(false);
        }
        finally
        {
            deadline.Finish();
        }
    }

    private async Task<ItemAttempt> InvokeAsync(
        DbContext db, IStatusItemProcessor<TEntity> processor, TEntity item, object? key, StatusItemContext context,
        ItemDeadline deadline, CancellationToken token, TimeSpan timeout, ItemIsolation isolation, AbandonPolicy abandon, CancellationToken abort)
    {
        Exception? failure = null;
        ItemResult result = default;
        var abandoned = false;
        int? backend = null;
        bool touched;
        using (var handle = ItemScope.Enter(db, _definition.Name, isolation))
        {
            try
            {
                var running = processor.ProcessAsync(item, context, token);
                if (!running.IsCompleted)
                {
                    var task = running.AsTask();
                    try
                    {
                        result = await task.WaitAsync(abandon == AbandonPolicy.OnTimeoutOrAbort ? token : abort).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!task.IsCompleted)
                    {
                        // The processor did not stop with its token; give it a moment, then walk away.
                        try
                        {
                            result = await task.WaitAsync(AbandonGrace).ConfigureAwait(false);
                        }
                        catch (TimeoutException)
                        {
                            abandoned = true;
                            throw new OperationCanceledException(token);
                        }
                    }
                }
                else
                {
                    result = await running.ConfigureAwait(false);
                }

                if (db.ChangeTracker.HasChanges())
                {
                    await db.SaveChangesAsync(token).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            touched = handle.Scope.TouchedDatabase;
            if (abandoned)
            {
                // From now on the processor's own flow still sees this scope: its commands are refused.
                handle.Scope.Abandoned = true;
                backend = handle.Scope.BackendProcessId;
            }
        }

        if (abandoned)
        {
            // The processor may still use the session: leave it alone. Walked away from because the host is stopping,
            // it is a stop (the row goes back to the queue), not a failed attempt.
            return abort.IsCancellationRequested
                ? new ItemAttempt(key, default, null, Touched: true, Stopped: true, TimedOut: false, Abandoned: true, Reason: null) { BackendProcessId = backend }
                : new ItemAttempt(key, default, null, Touched: true, Stopped: false, TimedOut: true, Abandoned: true, Reason: TimedOutReason(timeout)) { BackendProcessId = backend };
        }

        db.ChangeTracker.Clear();
        if (failure is null)
        {
            return new ItemAttempt(key, result, null, touched, Stopped: false, TimedOut: false, Abandoned: false, Reason: result.Reason);
        }

        if (touched && isolation == ItemIsolation.Savepoint)
        {
            await db.Database.ExecuteSqlRawAsync("ROLLBACK TO SAVEPOINT " + ItemScope.SavepointName, CancellationToken.None).ConfigureAwait(false);
        }

        if (failure is OperationCanceledException && abort.IsCancellationRequested)
        {
            return new ItemAttempt(key, default, failure, touched, Stopped: true, TimedOut: false, Abandoned: false, Reason: null);
        }

        if (failure is OperationCanceledException && deadline.TimedOut)
        {
            Log.ItemTimedOut(_logger, _definition.Name, key, timeout);
            return new ItemAttempt(key, default, failure, touched, Stopped: false, TimedOut: true, Abandoned: false, Reason: TimedOutReason(timeout));
        }

        failure = ProcessorFailure.Translate(failure, db, _definition.Name);
        var reason = ProcessorFailure.Reason(failure);
        Log.ItemFailed(_logger, failure, _definition.Name, key, reason);
        return new ItemAttempt(key, default, failure, touched, Stopped: false, TimedOut: false, Abandoned: false, Reason: reason);
    }

    private static string TimedOutReason(TimeSpan timeout) => "timed out after " + Durations.Describe(timeout);
}

/// <summary>When the loop walks away from a processor that ignores its cancellation.</summary>
internal enum AbandonPolicy
{
    /// <summary>On its item timeout or the host's abort, after a grace (lease mode: the item's session is its own).</summary>
    OnTimeoutOrAbort,

    /// <summary>Only on the host's abort, after a grace (atomic batch: a timed-out processor is waited for).</summary>
    OnAbort,
}

/// <summary>What happened to one item: the processor's result, or the failure, timeout or stop that replaced it.</summary>
/// <param name="Key">The item's key (provider value).</param>
/// <param name="Result">The processor's result when it returned normally.</param>
/// <param name="Failure">What the processor (or saving its changes) threw, if anything.</param>
/// <param name="Touched">Whether the processor sent a command through the session.</param>
/// <param name="Stopped">Whether the host's abort signal ended the item: it has no outcome and goes back to the queue.</param>
/// <param name="TimedOut">Whether the item's timeout ended it.</param>
/// <param name="Abandoned">Whether the processor ignored its cancellation and was left running.</param>
/// <param name="Reason">The error text of a failure or timeout, or the result's own reason.</param>
internal readonly record struct ItemAttempt(object? Key, ItemResult Result, Exception? Failure, bool Touched, bool Stopped, bool TimedOut, bool Abandoned, string? Reason)
{
    /// <summary>Gets the server process of an abandoned item's open transaction, which the loop ends on the server side.</summary>
    public int? BackendProcessId { get; init; }

    /// <summary>Whether the processor returned a result (rather than throwing, timing out or being stopped).</summary>
    public bool Returned => Failure is null && !TimedOut && !Abandoned && !Stopped;
}
