using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Maintenance;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// The generic run-job-loop of the seeds: claim a batch, process each item, record the outcomes, repeat until the
/// queue is empty, the batch limit is reached or stopping is requested. Lease-mode runs first return expired leases.
/// </summary>
internal sealed class RunJobLoop<TEntity>
    where TEntity : class
{
    private readonly IServiceScopeFactory _scopes;
    private readonly AtomicBatch<TEntity> _atomic;
    private readonly LeaseBatch<TEntity>? _lease;
    private readonly LeaseRescuer? _rescuer;

    public RunJobLoop(WorkflowDefinition definition, IServiceScopeFactory scopes, ILogger logger, TimeProvider time)
    {
        _scopes = scopes;
        Sql = new WorkflowSql(definition);
        Clock = new WorkflowClock(time);
        Telemetry = new WorkflowTelemetry(definition.Name);
        var keys = new KeyReader<TEntity>(definition);
        var invoker = new ItemInvoker<TEntity>(definition, logger, time);
        var queuedAt = definition.UpdatedAtColumn is null
            ? null
            : KeyReader<TEntity>.TimestampGetter(definition.OptionalColumns.Single(c => c.Column == definition.UpdatedAtColumn).Property);
        _atomic = new AtomicBatch<TEntity>(definition, Sql, keys, invoker, Clock, Telemetry, queuedAt, logger);
        if (Sql.LeaseClaim is not null)
        {
            _lease = new LeaseBatch<TEntity>(definition, Sql, keys, invoker, Clock, scopes, Telemetry, queuedAt, logger);
            _rescuer = new LeaseRescuer(definition, Sql, Clock, scopes, Telemetry, logger);
        }
    }

    public WorkflowSql Sql { get; }

    public WorkflowClock Clock { get; }

    public WorkflowTelemetry Telemetry { get; }

    /// <summary>Gets the lease rescuer, when the workflow has lease columns.</summary>
    public LeaseRescuer? Rescuer => _rescuer;

    /// <summary>Runs batches until the queue is empty, <see cref="StatusWorkflowOptions.MaxBatchesPerRun"/> or stopping.</summary>
    /// <param name="options">The workflow's settings for this run.</param>
    /// <param name="jobId">The scheduler job id, passed to processors.</param>
    /// <param name="stopping">Signalled when no new batch or item should start (the host is stopping).</param>
    /// <param name="abort">Signalled when work in flight must end now (the host's shutdown timeout); passed to processors.</param>
    public async Task<WorkflowRunResult> RunAsync(StatusWorkflowOptions options, string jobId, CancellationToken stopping, CancellationToken abort)
    {
        var total = default(WorkflowRunResult);
        var lease = options.Mode == ClaimMode.Lease;
        if (lease)
        {
            var rescued = await _rescuer!.RescueIfDueAsync(options, abort).ConfigureAwait(false);
            total = total with { Rescued = rescued.Requeued + rescued.Failed, Failed = rescued.Failed };
        }

        for (var batch = 0; batch < options.MaxBatchesPerRun && !stopping.IsCancellationRequested; batch++)
        {
            BatchResult result;
            if (lease)
            {
                result = await _lease!.RunAsync(options, jobId, stopping, abort).ConfigureAwait(false);
            }
            else
            {
                var scope = _scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    result = await _atomic.RunAsync(scope, options, jobId, stopping, abort).ConfigureAwait(false);
                }
            }

            total += result.Outcome;
            if (result.EndRun || (!result.ClaimAgain && result.Outcome.Claimed < options.BatchSize))
            {
                break;
            }
        }

        return total;
    }
}
