using System.Text;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Maintenance;

/// <summary>
/// Returns rows whose lease expired to the queue (attempts below the maximum) or to error ("lease expired after N
/// attempts"). It runs as a maintenance job of its own on the shared scheduler (<see cref="JobId"/>), one statement per
/// chunk: safe when several hosts run it at once (SKIP LOCKED keeps them, and any worker writing an outcome, off each
/// other's rows), and normally run by one host only, elected per workflow with a transaction-scoped advisory lock (so
/// it works behind transaction-mode poolers).
/// </summary>
internal sealed class LeaseRescuer
{
    private const int ChunkSize = 1000;

    private readonly WorkflowDefinition _definition;
    private readonly IWorkflowStore _store;
    private readonly ILogger _logger;
    private readonly WorkflowTelemetry _telemetry;
    private readonly long _lockKey;

    public LeaseRescuer(WorkflowDefinition definition, IWorkflowStore store, WorkflowTelemetry telemetry, ILogger logger)
    {
        _telemetry = telemetry;
        _definition = definition;
        _store = store;
        _logger = logger;

        // Per workflow, not per table: two workflows on one table (say, two status columns) each need a rescuer.
        _lockKey = StableHash("scrapersky.pipeline.rescue:" + definition.Name);
    }

    /// <summary>The rescuer's job id on the scheduler, beside its workflow's.</summary>
    public static string JobId(string workflowJobId) => workflowJobId + ":rescue";

    /// <summary>How often the rescuer runs: a quarter of the lease, from one second to one minute.</summary>
    public static TimeSpan Period(StatusWorkflowOptions options) => TimeSpan.FromTicks(Math.Clamp(options.Lease.Duration.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    /// <summary>Rescues every expired lease now.</summary>
    public async Task<RescueResult> RescueAsync(StatusWorkflowOptions options, CancellationToken cancellationToken)
    {
        var total = default(RescueResult);
        var (scope, db) = _store.OpenSession();
        await using (scope.ConfigureAwait(false))
        {
            while (true)
            {
                var (requeued, failed) = await _store.RescueChunkAsync(db, _lockKey, ChunkSize, options.Retry.MaxAttempts, cancellationToken).ConfigureAwait(false);
                total = new RescueResult(total.Requeued + requeued, total.Failed + failed);
                if (requeued + failed < ChunkSize)
                {
                    break;
                }
            }
        }

        if (total.Requeued + total.Failed > 0)
        {
            _telemetry.Rescued(total.Requeued + total.Failed);
            Log.LeasesRescued(_logger, _definition.Name, total.Requeued, total.Failed);
        }

        return total;
    }

    /// <summary>FNV-1a: the same advisory-lock key in every process (string.GetHashCode is randomised per process).</summary>
    private static long StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}

/// <summary>What one rescue did.</summary>
/// <param name="Requeued">Expired leases returned to the queue.</param>
/// <param name="Failed">Expired leases ended as error after their last attempt.</param>
internal readonly record struct RescueResult(int Requeued, int Failed);
