using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// The generic run-job-loop: claim a batch, process each item, record the outcomes, repeat until the queue is empty,
/// the batch limit is reached or stopping is requested. It owns the workflow's store and, in lease mode, the lease
/// keeper and the completer that outlive single batches. The rescuer is a maintenance job of its own.
/// </summary>
internal sealed class RunJobLoop<TEntity> : IDisposable
    where TEntity : class
{
    private readonly IServiceScopeFactory _scopes;
    private readonly Type _contextType;
    private readonly AtomicBatchRun<TEntity> _atomic;
    private readonly LeaseBatch<TEntity>? _lease;
    private readonly LeaseKeeper<TEntity>? _keeper;
    private readonly LeaseCompleter<TEntity>? _completer;

    public RunJobLoop(WorkflowDefinition definition, IServiceScopeFactory scopes, ILogger logger, TimeProvider time, Func<StatusWorkflowOptions> options, PipelineTelemetry telemetry, SqlClock? sqlClock = null)
    {
        _scopes = scopes;
        _contextType = definition.Registration.ContextType;
        Store = new WorkflowStore<TEntity>(definition, new WorkflowClock(time, sqlClock), scopes, logger);
        Telemetry = new WorkflowTelemetry(telemetry, definition.Name);
        var keys = new KeyReader<TEntity>(definition);
        var invoker = new ItemInvoker<TEntity>(definition, logger, time, Store.Rows, keys);
        var queuedAt = definition.UpdatedAtColumn is null
            ? null
            : KeyReader<TEntity>.TimestampGetter(definition.OptionalColumns.Single(c => c.Column == definition.UpdatedAtColumn).Property);
        _atomic = new AtomicBatchRun<TEntity>(definition, Store, keys, invoker, Telemetry, queuedAt, scopes, logger);
        if (Sql.LeaseClaim is not null)
        {
            _keeper = new LeaseKeeper<TEntity>(Store, keys, definition.Name, logger);
            _completer = new LeaseCompleter<TEntity>(Store, keys, _keeper, options, time, definition.Name, logger);
            _lease = new LeaseBatch<TEntity>(definition, Store, keys, invoker, _keeper, _completer, Telemetry, queuedAt, logger);
            Rescuer = new Maintenance.LeaseRescuer(definition, Store, Telemetry, logger);
        }
    }

    public WorkflowStore<TEntity> Store { get; }

    public WorkflowSql Sql => Store.Sql;

    public WorkflowClock Clock => Store.Clock;

    public WorkflowTelemetry Telemetry { get; }

    /// <summary>Gets the lease rescuer, when the workflow has lease columns.</summary>
    public Maintenance.LeaseRescuer? Rescuer { get; }

    /// <summary>Gets the lease keeper, when the workflow has lease columns.</summary>
    internal LeaseKeeper<TEntity>? Keeper => _keeper;

    /// <summary>Runs batches until the queue is empty, <see cref="StatusWorkflowBatchOptions.MaxPerRun"/> or stopping.</summary>
    /// <param name="options">The workflow's settings for this run.</param>
    /// <param name="jobId">The scheduler job id, passed to processors.</param>
    /// <param name="stopping">Signalled when no new batch or item should start (the host is stopping).</param>
    /// <param name="abort">Signalled when work in flight must end now (the host's shutdown timeout); passed to processors.</param>
    public async Task<WorkflowRunResult> RunAsync(StatusWorkflowOptions options, string jobId, CancellationToken stopping, CancellationToken abort)
    {
        var total = default(WorkflowRunResult);
        var lease = options.Mode == ClaimMode.Lease;
        var batches = 0;
        var lastWasFull = false;

        // A run's sessions serve its batches one after another: in lease mode its lanes, and the store's session that
        // claims and writes outcomes keeps its connection; in atomic mode one scope whose connection stays open from
        // the first batch to the last (a batch holds it for its transaction anyway).
        var lanes = lease ? _lease!.NewLanes() : null;
        AtomicSession? session = null;
        if (lease)
        {
            Store.Sessions.BeginRun();
        }

        try
        {
            while (batches < options.Batch.MaxPerRun && !stopping.IsCancellationRequested)
            {
                batches++;
                BatchResult result;
                if (lease)
                {
                    result = await _lease!.RunAsync(options, jobId, lanes!, stopping, abort).ConfigureAwait(false);
                }
                else
                {
                    session ??= await AtomicSession.OpenAsync(_scopes, _contextType, abort).ConfigureAwait(false);
                    result = await _atomic.RunAsync(session.Scope, options, jobId, stopping, abort).ConfigureAwait(false);
                    if (result.SessionAbandoned)
                    {
                        AbandonedSession.DisposeLater(session.Scope);
                        session = null;
                    }
                    else if (result.ClaimAgain)
                    {
                        // The batch's transaction broke: the next batch starts on a new session.
                        await session.DisposeAsync().ConfigureAwait(false);
                        session = null;
                    }
                }

                total += result.Outcome;
                lastWasFull = result.ClaimAgain || result.Outcome.Claimed >= options.Batch.Size;
                if (result.EndRun || !lastWasFull)
                {
                    lastWasFull = false;
                    break;
                }
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }

            if (lanes is not null)
            {
                await lanes.DisposeAsync().ConfigureAwait(false);
                await Store.Sessions.EndRunAsync().ConfigureAwait(false);
            }
        }

        return total with { StoppedAtBatchLimit = lastWasFull && batches >= options.Batch.MaxPerRun && !stopping.IsCancellationRequested };
    }

    public void Dispose()
    {
        _completer?.Dispose();
        _keeper?.Dispose();
        Store.Sessions.Dispose();
    }
}
