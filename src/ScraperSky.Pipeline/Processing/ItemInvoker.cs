using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// Runs the processor for one item on a session whose transaction the caller began: guards the transaction, enforces
/// the item timeout, saves the item's changes, and turns whatever happened into an <see cref="ItemAttempt"/>. Both
/// claim modes share it; what they do with the attempt differs.
/// </summary>
/// <remarks>
/// An item claimed with a snapshot (<see cref="Claim{TEntity}.Originals"/>) runs untracked: if its processor changed
/// it, it is attached afterwards with the snapshot as its original values, so exactly the changed properties are saved,
/// as if it had been tracked all along; if the processor used the session's change tracking, that is saved and cleared;
/// otherwise the item costs no change tracking at all. An item without a snapshot is attached before its processor runs.
/// </remarks>
internal sealed class ItemInvoker<TEntity>
    where TEntity : class
{
    /// <summary>How long a timed-out processor gets to honour its cancellation before lease mode walks away from it.</summary>
    internal static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(2);

    /// <summary>Records that the session began tracking an entity while an item of that session runs.</summary>
    private static readonly EventHandler<Microsoft.EntityFrameworkCore.ChangeTracking.EntityTrackedEventArgs> OnTracked = static (_, e) =>
    {
        if (ItemScope.Current is { } scope && ReferenceEquals(scope.Context, e.Entry.Context))
        {
            scope.TrackedEntities = true;
        }
    };

    /// <summary>The processor saves through the session: an untracked item is attached first, so that its changes are part of that save.</summary>
    private static readonly EventHandler<SavingChangesEventArgs> OnSaving = static (sender, _) =>
    {
        if (ItemScope.Current is { } scope && ReferenceEquals(scope.Context, sender))
        {
            scope.AttachPendingItem();
        }
    };

    /// <summary>The loop's sessions whose tracking and saves the handlers above observe (subscribed once per session).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbContext, object> Observed = new();

    private readonly WorkflowDefinition _definition;
    private readonly ILogger _logger;
    private readonly RowMaterializer<TEntity>? _rows;
    private readonly KeyReader<TEntity>? _keys;
    private readonly Action<ItemScope> _attachPending;

    public ItemInvoker(WorkflowDefinition definition, ILogger logger, TimeProvider time, RowMaterializer<TEntity>? rows = null, KeyReader<TEntity>? keys = null)
    {
        _definition = definition;
        _logger = logger;
        _rows = rows;
        _keys = keys;
        _attachPending = AttachPending;
    }

    /// <summary>Runs the processor for one item and reports what happened.</summary>
    /// <param name="db">The item's session, its transaction begun.</param>
    /// <param name="processor">The processor, resolved from the session's scope.</param>
    /// <param name="item">The claimed row.</param>
    /// <param name="original">The row as claimed (its snapshot), to run the item untracked; null to attach it first.</param>
    /// <param name="key">The row's key, for logs.</param>
    /// <param name="context">What the processor is told about the item.</param>
    /// <param name="deadline">The batch's or lane's deadline, armed here with <paramref name="timeout"/> for this item.</param>
    /// <param name="timeout">The item timeout.</param>
    /// <param name="isolation">A savepoint in the batch's transaction (atomic batch), or a transaction of the item's own begun at its first command (lease mode).</param>
    /// <param name="abandon">When a processor that ignores its cancellation is left running: on its timeout or the
    /// host's abort (lease mode: its session is its own), or only on the abort (atomic batch: the batch's transaction
    /// is shared, so a timed-out processor is waited for).</param>
    /// <param name="abort">The host's abort signal.</param>
    public async ValueTask<ItemAttempt> InvokeAsync(
        DbContext db, IStatusItemProcessor<TEntity> processor, TEntity item, TEntity? original, object? key, StatusItemContext context,
        ItemDeadline deadline, TimeSpan timeout, ItemIsolation isolation, AbandonPolicy abandon, CancellationToken abort)
    {
        if (original is null || _rows is null)
        {
            original = null;
            db.Attach(item);
        }

        var token = deadline.Start(timeout);
        Observe(db);
        try
        {
            return await InvokeAsync(db, processor, item, original, key, context, deadline, token, timeout, isolation, abandon, abort).ConfigureAwait(false);
        }
        finally
        {
            deadline.Finish();
        }
    }

    private async ValueTask<ItemAttempt> InvokeAsync(
        DbContext db, IStatusItemProcessor<TEntity> processor, TEntity item, TEntity? original, object? key, StatusItemContext context,
        ItemDeadline deadline, CancellationToken token, TimeSpan timeout, ItemIsolation isolation, AbandonPolicy abandon, CancellationToken abort)
    {
        Exception? failure = null;
        ItemResult result = default;
        var abandoned = false;
        int? backend = null;
        bool touched;
        bool tracked;
        using (var handle = ItemScope.Enter(db, _definition.Name, isolation))
        {
            if (original is not null)
            {
                // Attached at the processor's first command or save through the session, if any (so that queries
                // resolve the row to this instance and saves include its changes, as if it had been tracked all along).
                handle.Scope.SetPendingItem(item, original, key, _attachPending);
            }

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

                if (handle.Scope.TakePendingItem() && _rows!.Changed(item, original!))
                {
                    TrackChanges(db, item, original!, key);
                }

                if ((original is null || handle.Scope.TrackedEntities) && db.ChangeTracker.HasChanges())
                {
                    await db.SaveChangesAsync(token).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            touched = handle.Scope.TouchedDatabase;
            tracked = original is null || handle.Scope.TrackedEntities;
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

        if (tracked)
        {
            db.ChangeTracker.Clear();
        }

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

    /// <summary>
    /// Subscribes the handlers to a session once: a session serves many items (a lane's, a run's), and the handlers act
    /// only while an item of that very session runs on the current flow, so they stay subscribed for its lifetime.
    /// </summary>
    private static void Observe(DbContext db)
    {
        if (Observed.TryGetValue(db, out _))
        {
            return;
        }

        db.ChangeTracker.Tracked += OnTracked;
        db.SavingChanges += OnSaving;
        Observed.AddOrUpdate(db, Observed);
    }

    private void AttachPending(ItemScope scope) => TrackChanges(scope.Context, (TEntity)scope.PendingItem!, (TEntity)scope.PendingOriginal!, scope.PendingKey);

    /// <summary>
    /// An untracked item its processor changed (or is about to use the session): attached with its claimed values as the originals, so that the changed
    /// properties are saved. If the processor attached it itself, its originals are set the same way; if the session
    /// tracks another instance of the same row (the processor loaded it), the item's changes are applied to that one.
    /// </summary>
    private void TrackChanges(DbContext db, TEntity item, TEntity original, object? key)
    {
        var entry = db.Entry(item);
        if (entry.State == EntityState.Detached)
        {
            var tracked = FindTracked(db, key);
            if (tracked is not null)
            {
                var claimed = db.Entry(original).CurrentValues;
                foreach (var property in entry.Metadata.GetProperties())
                {
                    var value = entry.Property(property).CurrentValue;
                    if (!property.GetValueComparer().Equals(value, claimed[property]))
                    {
                        tracked.Property(property).CurrentValue = value;
                    }
                }

                return;
            }

            entry.State = EntityState.Unchanged;
        }

        if (entry.State == EntityState.Unchanged)
        {
            entry.OriginalValues.SetValues(original);
        }
    }

    private Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry<TEntity>? FindTracked(DbContext db, object? key)
    {
        foreach (var tracked in db.ChangeTracker.Entries<TEntity>())
        {
            if (Equals(_keys!.Read(tracked.Entity), key))
            {
                return tracked;
            }
        }

        return null;
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
