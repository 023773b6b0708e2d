using Microsoft.EntityFrameworkCore;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// Marks the span in which a processor runs on a session whose transaction the loop owns. The
/// <see cref="LoopTransactionGuard"/> reads it to refuse transaction control and, right before the processor's first
/// command, to open what the item needs: its savepoint (atomic batch) or its transaction (lease mode). Items that never
/// touch the database cost no round trip and no connection.
/// </summary>
internal sealed class ItemScope
{
    public const string SavepointName = "scrapersky_item";

    private static readonly AsyncLocal<ItemScope?> CurrentScope = new();

    private ItemScope(DbContext context, string workflowName, ItemIsolation isolation)
    {
        Context = context;
        WorkflowName = workflowName;
        Isolation = isolation;
    }

    /// <summary>Gets the scope of the item running on the current flow, if any.</summary>
    public static ItemScope? Current => CurrentScope.Value is { Active: true } scope ? scope : null;

    /// <summary>Whether an item is running in this scope (an installed scope is idle between items).</summary>
    public bool Active { get; private set; }

    public DbContext Context { get; }

    public string WorkflowName { get; }

    /// <summary>What the item's first command opens.</summary>
    public ItemIsolation Isolation { get; }

    /// <summary>Whether the item shares a transaction with other items and so needs a savepoint.</summary>
    public bool UseSavepoint => Isolation == ItemIsolation.Savepoint;

    /// <summary>Set while the guard itself begins the item's transaction, which it otherwise refuses.</summary>
    public bool BeginningTransaction { get; set; }

    /// <summary>Whether the processor sent a command (so the item's savepoint exists when <see cref="UseSavepoint"/>).</summary>
    public bool TouchedDatabase { get; set; }

    /// <summary>Whether the session began tracking an entity while the item ran (its changes are saved and the tracker cleared).</summary>
    public bool TrackedEntities { get; set; }

    /// <summary>The server process of the item's own transaction (lease mode), recorded when it began.</summary>
    public int? BackendProcessId { get; set; }

    /// <summary>
    /// Set when the loop walked away from a processor that ignored its cancellation: every later command through its
    /// session is refused, so nothing it does afterwards reopens a connection and autocommits.
    /// </summary>
    public bool Abandoned { get; set; }

    /// <summary>An untracked claimed item, attached at the processor's first command or save (null once attached or done).</summary>
    public object? PendingItem { get; private set; }

    /// <summary>The pending item as claimed: its original values when attached.</summary>
    public object? PendingOriginal { get; private set; }

    /// <summary>The pending item's key.</summary>
    public object? PendingKey { get; private set; }

    private Action<ItemScope>? _attachPending;

    /// <summary>Registers the untracked item and how to attach it.</summary>
    public void SetPendingItem(object item, object original, object? key, Action<ItemScope> attach)
    {
        PendingItem = item;
        PendingOriginal = original;
        PendingKey = key;
        _attachPending = attach;
    }

    /// <summary>Attaches the pending item now (the processor is about to use the session); does nothing if there is none.</summary>
    public void AttachPendingItem()
    {
        if (PendingItem is not null && _attachPending is { } attach)
        {
            attach(this);
            PendingItem = null;
        }
    }

    /// <summary>Ends the pending state; true if the item was never attached (it is still untracked).</summary>
    public bool TakePendingItem()
    {
        var pending = PendingItem is not null;
        PendingItem = null;
        return pending;
    }

    /// <summary>
    /// Installs an idle scope for a session on the current flow, for the items run on it one after another: call it in
    /// the method that runs them (the value lives as long as that method), so that each item costs no change of the
    /// flow's execution context.
    /// </summary>
    public static void Install(DbContext context, string workflowName, ItemIsolation isolation)
        => CurrentScope.Value = new ItemScope(context, workflowName, isolation);

    /// <summary>Enters a scope for the current asynchronous flow (the installed one, if any); dispose the returned handle to leave it.</summary>
    public static Handle Enter(DbContext context, string workflowName, ItemIsolation isolation)
    {
        if (CurrentScope.Value is { Active: false, Abandoned: false } installed && ReferenceEquals(installed.Context, context) && installed.Isolation == isolation)
        {
            installed.TouchedDatabase = false;
            installed.TrackedEntities = false;
            installed.BackendProcessId = null;
            installed.Active = true;
            return new Handle(installed, owned: false);
        }

        var scope = new ItemScope(context, workflowName, isolation) { Active = true };
        CurrentScope.Value = scope;
        return new Handle(scope, owned: true);
    }

    /// <summary>Restores the flow to "no item running" (the loop's own commands pass the guard).</summary>
    internal readonly struct Handle : IDisposable
    {
        private readonly bool _owned;

        public Handle(ItemScope scope, bool owned)
        {
            Scope = scope;
            _owned = owned;
        }

        public ItemScope Scope { get; }

        public void Dispose()
        {
            Scope.PendingItem = null;
            Scope.PendingOriginal = null;
            Scope.PendingKey = null;
            if (Scope.Abandoned)
            {
                // The abandoned processor's flow still sees the scope, active, and every command it sends is refused.
                if (_owned)
                {
                    CurrentScope.Value = null;
                }

                return;
            }

            Scope.Active = false;
            if (_owned)
            {
                CurrentScope.Value = null;
            }
        }
    }
}

/// <summary>How an item's database work is isolated from other items'.</summary>
internal enum ItemIsolation
{
    /// <summary>Atomic batch: a savepoint inside the batch's transaction, opened before the item's first command.</summary>
    Savepoint,

    /// <summary>Lease mode: a transaction of the item's own, begun before its first command.</summary>
    OwnTransaction,
}
