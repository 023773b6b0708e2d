using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>A batch's lanes: each a scope, session and processor that runs items one after another.</summary>
internal sealed partial class LeaseBatch<TEntity>
{
    private Lane OpenLane(CancellationToken abort)
    {
        var (scope, db) = _store.OpenSession();

        // The item's transaction begins at its first command (LoopTransactionGuard); EF must not wrap SaveChanges in
        // a transaction of its own, which it would commit before the item's outcome.
        db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        db.Database.AutoSavepointsEnabled = false;
        var processor = (IStatusItemProcessor<TEntity>)scope.ServiceProvider.GetRequiredService(_definition.Registration.ProcessorType);
        return new Lane(scope, db, processor, new ItemDeadline(Time, abort));
    }

    /// <summary>A lane's scope, session and processor, reused by the lane's items one after another.</summary>
    private sealed record Lane(AsyncServiceScope Scope, DbContext Db, IStatusItemProcessor<TEntity> Processor, ItemDeadline Deadline);

    /// <summary>What the lanes of one batch share: the items, the next index to take, and where outcomes go.</summary>
    private sealed class LaneWork(IReadOnlyList<TEntity> items, IReadOnlyList<TEntity>? originals, object?[] keys, StatusWorkflowOptions options, string jobId, string token, BatchLedger ledger, CancellationToken stopping, CancellationToken abort)
    {
        private int _next = -1;

        public IReadOnlyList<TEntity> Items { get; } = items;

        public IReadOnlyList<TEntity>? Originals { get; } = originals;

        public object?[] Keys { get; } = keys;

        public StatusWorkflowOptions Options { get; } = options;

        public string JobId { get; } = jobId;

        public string Token { get; } = token;

        public BatchLedger Ledger { get; } = ledger;

        public CancellationToken Stopping { get; } = stopping;

        public CancellationToken Abort { get; } = abort;

        public int Next() => Interlocked.Increment(ref _next);
    }
}
