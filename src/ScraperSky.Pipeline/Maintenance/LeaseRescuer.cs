using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Maintenance;

/// <summary>
/// Returns rows whose lease expired to the queue (attempts below the maximum) or to error ("lease expired after N
/// attempts"). One statement per chunk: safe when several hosts run it at once (SKIP LOCKED keeps them, and any
/// worker writing an outcome, off each other's rows), and normally run by one host only (a transaction-scoped
/// advisory lock, so it works behind transaction-mode poolers).
/// </summary>
internal sealed class LeaseRescuer
{
    private const int ChunkSize = 1000;

    private readonly WorkflowDefinition _definition;
    private readonly WorkflowSql _sql;
    private readonly WorkflowClock _clock;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;
    private readonly WorkflowTelemetry _telemetry;
    private readonly long _lockKey;
    private DateTimeOffset _lastRun = DateTimeOffset.MinValue;

    public LeaseRescuer(WorkflowDefinition definition, WorkflowSql sql, WorkflowClock clock, IServiceScopeFactory scopes, WorkflowTelemetry telemetry, ILogger logger)
    {
        _telemetry = telemetry;
        _definition = definition;
        _sql = sql;
        _clock = clock;
        _scopes = scopes;
        _logger = logger;
        _lockKey = StableHash("scrapersky.pipeline.rescue:" + definition.Table);
    }

    /// <summary>How often a workflow's runs rescue at most: a lease cannot expire much faster than this matters.</summary>
    public static TimeSpan Period(StatusWorkflowOptions options) => TimeSpan.FromTicks(Math.Clamp(options.LeaseDuration.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    /// <summary>Rescues when the last rescue of this workflow in this process is older than <see cref="Period"/>.</summary>
    public Task<RescueResult> RescueIfDueAsync(StatusWorkflowOptions options, CancellationToken cancellationToken)
    {
        var now = _clock.Time.GetUtcNow();
        if (now - _lastRun < Period(options))
        {
            return Task.FromResult(default(RescueResult));
        }

        _lastRun = now;
        return RescueAsync(options, cancellationToken);
    }

    /// <summary>Rescues every expired lease now.</summary>
    public async Task<RescueResult> RescueAsync(StatusWorkflowOptions options, CancellationToken cancellationToken)
    {
        var total = default(RescueResult);
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType);
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                while (true)
                {
                    var chunk = await RescueChunkAsync(db, options, cancellationToken).ConfigureAwait(false);
                    total = new RescueResult(total.Requeued + chunk.Requeued, total.Failed + chunk.Failed);
                    if (chunk.Requeued + chunk.Failed < ChunkSize)
                    {
                        break;
                    }
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }

        if (total.Requeued + total.Failed > 0)
        {
            _telemetry.Rescued(total.Requeued + total.Failed);
            Log.LeasesRescued(_logger, _definition.Name, total.Requeued, total.Failed);
        }

        return total;
    }

    private async Task<RescueResult> RescueChunkAsync(DbContext db, StatusWorkflowOptions options, CancellationToken cancellationToken)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = _sql.Rescue!;
            command.Parameters.Add(new NpgsqlParameter(WorkflowSql.LockParameter, _lockKey));
            command.Parameters.Add(new NpgsqlParameter(WorkflowSql.BatchSizeParameter, ChunkSize));
            command.Parameters.Add(new NpgsqlParameter(WorkflowSql.MaxAttemptsParameter, options.MaxAttempts));
            command.Parameters.Add(_clock.NowParameter());
            var requeued = 0;
            var failed = 0;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetBoolean(1))
                    {
                        failed++;
                    }
                    else
                    {
                        requeued++;
                    }
                }
            }

            return new RescueResult(requeued, failed);
        }
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
