using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Operations;

/// <summary>The typed queue of one workflow, optionally bound to a caller's DbContext (<see cref="In"/>).</summary>
internal sealed class StatusWorkflowQueue<TEntity> : IStatusWorkflowQueue<TEntity>
    where TEntity : class
{
    private readonly StatusWorkflowQueues _owner;
    private readonly QueueTarget _target;
    private readonly DbContext? _context;

    public StatusWorkflowQueue(StatusWorkflowQueues owner, QueueTarget target, DbContext? context)
    {
        _owner = owner;
        _target = target;
        _context = context;
    }

    public string WorkflowName => _target.Name;

    public IStatusWorkflowQueue<TEntity> In(DbContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new StatusWorkflowQueue<TEntity>(_owner, _target, context);
    }

    public Task<long> QueueAsync(Expression<Func<TEntity, bool>> filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var rows = _target.Translate(filter);
        return Run(new QueueOperation("Queue", QueueSql.And(_target.Sql.NotProcessing, rows.Sql), rows.Parameters), progress, cancellationToken);
    }

    public Task<long> QueueKeysAsync<TKey>(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var definition = _target.Definition;
        var keyType = Nullable.GetUnderlyingType(definition.KeyProperty.ClrType) ?? definition.KeyProperty.ClrType;
        if ((Nullable.GetUnderlyingType(typeof(TKey)) ?? typeof(TKey)) != keyType)
        {
            throw new ArgumentException($"Status workflow '{WorkflowName}' has keys of type '{keyType.Name}', not '{typeof(TKey).Name}'.", nameof(keys));
        }

        var values = keys.Where(k => k is not null).Select(k => definition.KeyConverter?.ConvertToProvider(k) ?? k).ToList();
        if (values.Count == 0)
        {
            return Task.FromResult(0L);
        }

        var array = Array.CreateInstance(Nullable.GetUnderlyingType(definition.KeyProviderType) ?? definition.KeyProviderType, values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            array.SetValue(values[i], i);
        }

        var operation = new QueueOperation("QueueKeys", QueueSql.And(_target.Sql.NotProcessing, _target.Sql.KeyIn), []) { Keys = array };
        return Run(operation, progress: null, cancellationToken);
    }

    public Task<long> RequeueErrorsAsync(Expression<Func<TEntity, bool>>? filter = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var rows = filter is null ? null : _target.Translate(filter);
        var operation = new QueueOperation("RequeueErrors", QueueSql.And(_target.Sql.InError, rows?.Sql), rows?.Parameters ?? []);
        return Run(operation, progress, cancellationToken);
    }

    public Task<long> CancelAsync(Expression<Func<TEntity, bool>> filter, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var valid = StatusWorkflowQueues.ValidReason(_target, reason);
        var rows = _target.Translate(filter);
        return Run(new QueueOperation("Cancel", QueueSql.And(_target.Sql.Queued, rows.Sql), rows.Parameters) { Reason = valid }, progress: null, cancellationToken);
    }

    public Task<long> ResetStuckAsync(bool dryRun = false, bool force = false, CancellationToken cancellationToken = default)
        => _owner.ResetStuckAsync(_target, dryRun, force, _context, cancellationToken);

    private Task<long> Run(QueueOperation operation, IProgress<long>? progress, CancellationToken cancellationToken)
        => _target.RunAsync(operation, _context, progress, cancellationToken);
}
