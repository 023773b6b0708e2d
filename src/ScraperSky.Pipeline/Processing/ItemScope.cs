using Microsoft.EntityFrameworkCore;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// Marks the span in which a processor runs on a session whose transaction the loop owns. The
/// <see cref="LoopTransactionGuard"/> reads it to refuse transaction control and to open the item's savepoint
/// lazily, right before the processor's first command: items that never touch the database cost no round trip.
/// </summary>
internal sealed class ItemScope
{
    public const string SavepointName = "scrapersky_item";

    private static readonly AsyncLocal<ItemScope?> CurrentScope = new();

    private ItemScope(DbContext context, string workflowName, bool useSavepoint)
    {
        Context = context;
        WorkflowName = workflowName;
        UseSavepoint = useSavepoint;
    }

    public static ItemScope? Current => CurrentScope.Value;

    public DbContext Context { get; }

    public string WorkflowName { get; }

    /// <summary>Whether the item shares a transaction with other items and so needs a savepoint.</summary>
    public bool UseSavepoint { get; }

    /// <summary>Whether the processor sent a command (so the item's savepoint exists when <see cref="UseSavepoint"/>).</summary>
    public bool TouchedDatabase { get; set; }

    /// <summary>Enters a scope for the current asynchronous flow; dispose the returned handle to leave it.</summary>
    public static Handle Enter(DbContext context, string workflowName, bool useSavepoint)
    {
        var scope = new ItemScope(context, workflowName, useSavepoint);
        CurrentScope.Value = scope;
        return new Handle(scope);
    }

    /// <summary>Restores the flow to "no item running" (the loop's own commands pass the guard).</summary>
    internal readonly struct Handle : IDisposable
    {
        public Handle(ItemScope scope) => Scope = scope;

        public ItemScope Scope { get; }

        public void Dispose() => CurrentScope.Value = null;
    }
}
