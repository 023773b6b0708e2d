using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>A run's lanes: each a scope, session and processor that runs items one after another, batch after batch.</summary>
internal sealed partial class LeaseBatch<TEntity>
{
    /// <summary>The lanes of one run, kept between its batches; dispose at the end of the run.</summary>
    public LanePool NewLanes() => new(this);

    internal Lane OpenLane(CancellationToken abort)
    {
        var (scope, db) = _store.OpenSession();

        // The item's transaction begins at its first command (LoopTransactionGuard); EF must not wrap SaveChanges in
        // a transaction of its own, which it would commit before the item's outcome.
        db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        db.Database.AutoSavepointsEnabled = false;
        var processor = (IStatusItemProcessor<TEntity>)scope.ServiceProvider.GetRequiredService(_definition.Registration.ProcessorType);
        return new Lane(scope, db, processor, new ItemDeadline(Time, abort));
    }

    /// <summary>
    /// The idle lanes of one run. A lane comes back after its batch in a clean state (no transaction, nothing tracked)
    /// and serves a lane of the next batch, so a run costs <see cref="StatusWorkflowOptions.Parallelism"/> scopes rather
    /// than that many per batch.
    /// </summary>
    internal sealed class LanePool(LeaseBatch<TEntity> owner) : IAsyncDisposable
    {
        private readonly Lock _gate = new();
        private readonly Stack<Lane> _idle = new();

        public Lane Rent(CancellationToken abort)
        {
            lock (_gate)
            {
                if (_idle.TryPop(out var lane))
                {
                    return lane;
                }
            }

            return owner.OpenLane(abort);
        }

        public ValueTask ReturnAsync(Lane lane)
        {
            if (lane.Db.Database.CurrentTransaction is null)
            {
                lock (_gate)
                {
                    _idle.Push(lane);
                    return ValueTask.CompletedTask;
                }
            }

            return CloseAsync(lane);
        }

        public async ValueTask DisposeAsync()
        {
            Lane[] idle;
            lock (_gate)
            {
                idle = [.. _idle];
                _idle.Clear();
            }

            foreach (var lane in idle)
            {
                await CloseAsync(lane).ConfigureAwait(false);
            }
        }

        private static ValueTask CloseAsync(Lane lane)
        {
            lane.Deadline.Dispose();
            return lane.Scope.DisposeAsync();
        }
    }

    /// <summary>A lane's scope, session and processor, reused by the lane's items one after another.</summary>
    internal sealed record Lane(AsyncServiceScope Scope, DbContext Db, IStatusItemProcessor<TEntity> Processor, ItemDeadline Deadline);

    /// <summary>What the lanes of one batch share: the items, the next index to take, and where outcomes go.</summary>
    private sealed class LaneWork(IReadOnlyList<TEntity> items, IReadOnlyList<TEntity>? originals, object?[] keys, StatusWorkflowOptions options, string jobId, string token, BatchLedger ledger, LanePool lanes, CancellationToken stopping, CancellationToken abort)
    {
        public LanePool Lanes { get; } = lanes;

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
