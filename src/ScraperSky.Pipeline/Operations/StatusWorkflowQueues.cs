using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Operations;

/// <summary>
/// The queue API of every registered workflow, one singleton per host: resolves each workflow's definition on first
/// use and runs the workflow's queue statements (<see cref="QueueSql"/>) through a <see cref="QueueTarget"/>.
/// </summary>
internal sealed class StatusWorkflowQueues : IStatusWorkflowQueues
{
    /// <summary>The most rows one batch of a bulk operation takes (each batch is one transaction).</summary>
    public const int MaxBatchSize = 10_000;

    private readonly IReadOnlyDictionary<string, QueueTarget> _targets;
    private readonly IOptionsMonitor<StatusWorkflowOptions> _options;
    private readonly ILogger _logger;

    public StatusWorkflowQueues(IEnumerable<StatusWorkflowRegistration> registrations, IServiceScopeFactory scopes, IOptionsMonitor<StatusWorkflowOptions> options, ILoggerFactory loggers, SqlClock? sqlClock = null)
    {
        _options = options;
        _logger = loggers.CreateLogger("ScraperSky.Pipeline.Operations");
        _targets = registrations.ToDictionary(r => r.Name, r => new QueueTarget(r, scopes, _logger, sqlClock, () => BatchSize), StringComparer.Ordinal);
    }

    /// <summary>A test seam: the rows per batch of bulk operations (at most <see cref="MaxBatchSize"/>).</summary>
    internal int BatchSize { get; set; } = MaxBatchSize;

    public IStatusWorkflowQueue<TEntity> Get<TEntity>(string workflowName)
        where TEntity : class
    {
        var target = Target(workflowName);
        if (target.Registration.EntityType != typeof(TEntity))
        {
            throw new ArgumentException($"Status workflow '{workflowName}' is over entity '{target.Registration.EntityType.Name}', not '{typeof(TEntity).Name}'. Registered: {Registered()}.", nameof(workflowName));
        }

        return new StatusWorkflowQueue<TEntity>(this, target, context: null);
    }

    public Task<long> CountAsync(string workflowName, StatusRowFilter filter, CancellationToken cancellationToken = default)
    {
        var target = Target(workflowName);
        var rows = RowFilterSql.Translate(filter, target.Definition, WorkflowDefinitionResolver.CandidateAlias);
        return target.CountAsync(rows.Sql, rows.Parameters, skipLocked: false, context: null, cancellationToken);
    }

    public Task<long> QueueAsync(string workflowName, StatusRowFilter filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var target = Target(workflowName);
        var rows = RowFilterSql.Translate(filter, target.Definition, WorkflowDefinitionResolver.CandidateAlias);
        var operation = new QueueOperation("Queue", QueueSql.And(target.Sql.NotProcessing, rows.Sql), rows.Parameters);
        return target.RunAsync(operation, context: null, progress, cancellationToken);
    }

    public Task<long> CancelAsync(string workflowName, StatusRowFilter filter, string reason, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var target = Target(workflowName);
        var rows = RowFilterSql.Translate(filter, target.Definition, WorkflowDefinitionResolver.CandidateAlias);
        var operation = new QueueOperation("Cancel", QueueSql.And(target.Sql.Queued, rows.Sql), rows.Parameters) { Reason = ValidReason(target, reason) };
        return target.RunAsync(operation, context: null, progress, cancellationToken);
    }

    public Task<long> ResetStuckAsync(string workflowName, bool dryRun = false, bool force = false, CancellationToken cancellationToken = default)
        => ResetStuckAsync(Target(workflowName), dryRun, force, context: null, cancellationToken);

    /// <summary>
    /// Queues stuck processing rows again. Lease mode: rows whose lease has expired by the database's clock (or all with
    /// <paramref name="force"/>); atomic-batch mode: rows no transaction holds. Rows locked at that moment are passed
    /// over in both modes: a worker is writing them.
    /// </summary>
    internal async Task<long> ResetStuckAsync(QueueTarget target, bool dryRun, bool force, DbContext? context, CancellationToken cancellationToken)
    {
        var sql = target.Sql;
        var leaseMode = _options.Get(target.Name).Mode == ClaimMode.Lease && sql.ProcessingLeaseExpired is not null;
        var condition = leaseMode && !force ? sql.ProcessingLeaseExpired! : sql.Processing;
        if (!dryRun)
        {
            return await target.RunAsync(new QueueOperation(force ? "ResetStuck (force)" : "ResetStuck", condition, []) { SkipLocked = true }, context, progress: null, cancellationToken).ConfigureAwait(false);
        }

        var count = await target.CountAsync(condition, [], skipLocked: true, context, cancellationToken).ConfigureAwait(false);
        Log.BulkOperation(_logger, target.Name, force ? "ResetStuck (force)" : "ResetStuck", count, "dry run, nothing changed");
        return count;
    }

    /// <summary>A cancel's reason: not blank, and no longer than the texts the engine writes.</summary>
    internal static string ValidReason(QueueTarget target, string reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException($"Status workflow '{target.Name}': a cancel needs a reason (it becomes the rows' error text); it was empty.", nameof(reason));
        }

        return reason.Length <= ErrorReason.MaxLength ? reason : reason[..ErrorReason.MaxLength];
    }

    private QueueTarget Target(string workflowName)
    {
        ArgumentNullException.ThrowIfNull(workflowName);
        return _targets.TryGetValue(workflowName, out var target)
            ? target
            : throw new ArgumentException($"No status workflow named '{workflowName}' is registered. Registered: {Registered()}.", nameof(workflowName));
    }

    private string Registered() => _targets.Count == 0 ? "none" : string.Join(", ", _targets.Keys.Order(StringComparer.Ordinal).Select(k => "'" + k + "'"));
}
