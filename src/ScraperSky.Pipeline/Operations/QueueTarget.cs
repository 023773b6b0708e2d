using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Operations;

/// <summary>
/// One workflow as the queue API sees it: its definition, resolved from the EF Core model on first use (without the
/// database, whether or not the workflow runs on this host), and the runner of its statements — one statement in a
/// caller's session, or keyset batches in a session of its own, each batch its own transaction.
/// </summary>
internal sealed class QueueTarget
{
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;
    private readonly SqlClock? _sqlClock;
    private readonly Func<int> _batchSize;
    private readonly Lock _resolving = new();
    private (WorkflowDefinition Definition, QueueSql Sql)? _resolved;
    private volatile StrongBox<int?>? _errorLength;

    public QueueTarget(StatusWorkflowRegistration registration, IServiceScopeFactory scopes, ILogger logger, SqlClock? sqlClock, Func<int> batchSize)
    {
        Registration = registration;
        _scopes = scopes;
        _logger = logger;
        _sqlClock = sqlClock;
        _batchSize = batchSize;
    }

    public StatusWorkflowRegistration Registration { get; }

    public string Name => Registration.Name;

    public WorkflowDefinition Definition => Resolve().Definition;

    public QueueSql Sql => Resolve().Sql;

    /// <summary>Translates a typed filter as the workflow's <c>Where</c> is; an untranslatable one names the workflow and the expression.</summary>
    public ClaimFilter Translate(System.Linq.Expressions.LambdaExpression filter)
    {
        var d = Definition;
        try
        {
            return FilterTranslator.Translate(filter, (Microsoft.EntityFrameworkCore.Metadata.IEntityType)d.KeyProperty.DeclaringType, d.StoreObject, WorkflowDefinitionResolver.CandidateAlias, "user_filter_");
        }
        catch (NotSupportedException ex)
        {
            throw new NotSupportedException($"Status workflow '{Name}': the filter '{filter}' cannot be translated to SQL: {ex.Message}.", ex);
        }
    }

    /// <summary>Counts matching rows: one statement, in <paramref name="context"/> when given.</summary>
    public Task<long> CountAsync(string condition, IReadOnlyList<FilterParameter> parameters, bool skipLocked, DbContext? context, CancellationToken cancellationToken)
        => WithSessionAsync(context, async (connection, transaction) =>
        {
            await using var command = Command(Sql.Count(condition, skipLocked), connection, transaction, parameters);
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        });

    /// <summary>
    /// Runs <paramref name="operation"/>: in <paramref name="context"/>, one statement in its current transaction;
    /// otherwise keyset batches (or chunks of keys) of at most the batch size, reporting the running total after each.
    /// </summary>
    public async Task<long> RunAsync(QueueOperation operation, DbContext? context, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        long total = 0;
        var finished = false;
        try
        {
            total = await WithSessionAsync(context, async (connection, transaction) =>
            {
                var set = operation.Reason is null ? Sql.QueueSet : Sql.CancelSet(await ErrorLengthAsync(connection, transaction, cancellationToken).ConfigureAwait(false));
                long changed = 0;
                if (context is not null)
                {
                    var sql = Sql.Change(operation.Condition, set, operation.Notify, operation.SkipLocked, limit: null, after: false);
                    changed = (await ExecuteAsync(sql, connection, transaction, operation, operation.Keys, after: null, cancellationToken).ConfigureAwait(false)).Changed;
                    progress?.Report(changed);
                    return changed;
                }

                var size = Math.Clamp(_batchSize(), 1, StatusWorkflowQueues.MaxBatchSize);
                if (operation.Keys is { } keys)
                {
                    var sql = Sql.Change(operation.Condition, set, operation.Notify, operation.SkipLocked, limit: null, after: false);
                    for (var start = 0; start < keys.Length; start += size)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var chunk = Array.CreateInstance(keys.GetType().GetElementType()!, Math.Min(size, keys.Length - start));
                        Array.Copy(keys, start, chunk, 0, chunk.Length);
                        changed += (await ExecuteAsync(sql, connection, null, operation, chunk, after: null, cancellationToken).ConfigureAwait(false)).Changed;
                        total = changed;
                        progress?.Report(changed);
                    }

                    return changed;
                }

                object? last = null;
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var sql = Sql.Change(operation.Condition, set, operation.Notify, operation.SkipLocked, size, after: last is not null);
                    var batch = await ExecuteAsync(sql, connection, null, operation, null, last, cancellationToken).ConfigureAwait(false);
                    changed += batch.Changed;
                    total = changed;
                    progress?.Report(changed);
                    if (batch.Taken < size || batch.Last is null)
                    {
                        return changed;
                    }

                    last = batch.Last;
                }
            }).ConfigureAwait(false);
            finished = true;
            return total;
        }
        finally
        {
            var scope = context is not null ? "in the caller's session" : finished ? "committed" : "stopped early; the batches counted are committed";
            Log.BulkOperation(_logger, Name, operation.Name, total, scope);
        }
    }

    private async Task<(long Taken, long Changed, object? Last)> ExecuteAsync(string sql, NpgsqlConnection connection, NpgsqlTransaction? transaction, QueueOperation operation, Array? keys, object? after, CancellationToken cancellationToken)
    {
        await using var command = Command(sql, connection, transaction, operation.Parameters);
        if (keys is not null)
        {
            command.Parameters.Add(new NpgsqlParameter(QueueSql.KeysParameter, keys));
        }

        if (after is not null)
        {
            command.Parameters.Add(new NpgsqlParameter(QueueSql.AfterParameter, after));
        }

        if (operation.Reason is { } reason && Definition.ErrorColumn is not null)
        {
            command.Parameters.Add(new NpgsqlParameter(QueueSql.ReasonParameter, NpgsqlDbType.Text) { Value = reason });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetValue(2));
    }

    private NpgsqlCommand Command(string sql, NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<FilterParameter> parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter(QueueSql.NowParameter, NpgsqlDbType.TimestampTz)
        {
            Value = _sqlClock is null ? DBNull.Value : _sqlClock.Time.GetUtcNow(),
        });
        foreach (var parameter in Definition.Filter?.CreateParameters() ?? [])
        {
            command.Parameters.Add(parameter);
        }

        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(parameter.Name, parameter.Value ?? DBNull.Value));
        }

        return command;
    }

    /// <summary>Runs <paramref name="work"/> on <paramref name="context"/>'s connection and transaction, or on a session of the workflow's own DbContext type.</summary>
    private async Task<T> WithSessionAsync<T>(DbContext? context, Func<NpgsqlConnection, NpgsqlTransaction?, Task<T>> work)
    {
        _ = Resolve();
        if (context is not null)
        {
            return await OnContextAsync(context, work).ConfigureAwait(false);
        }

        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(Registration.ContextType);
            return await OnContextAsync(db, work).ConfigureAwait(false);
        }
    }

    private async Task<T> OnContextAsync<T>(DbContext context, Func<NpgsqlConnection, NpgsqlTransaction?, Task<T>> work)
    {
        if (context.Database.GetDbConnection() is not NpgsqlConnection connection)
        {
            throw new ArgumentException($"Status workflow '{Name}': DbContext '{context.GetType().Name}' does not use Npgsql's provider; the queue API needs a PostgreSQL connection.", nameof(context));
        }

        await context.Database.OpenConnectionAsync().ConfigureAwait(false);
        try
        {
            DbTransaction? transaction = context.Database.CurrentTransaction?.GetDbTransaction();
            return await work(connection, transaction as NpgsqlTransaction).ConfigureAwait(false);
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The error column's length limit, read once from the catalog (the outcomes' statements cut texts the same way).</summary>
    private async Task<int?> ErrorLengthAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        if (Definition.ErrorColumn is null)
        {
            return null;
        }

        if (_errorLength is { } known)
        {
            return known.Value;
        }

        await using var command = new NpgsqlCommand(SchemaCheck.ErrorColumnLengthSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("p0", Definition.Table));
        command.Parameters.Add(new NpgsqlParameter("p1", SchemaCheck.Unquote(Definition.ErrorColumn)));
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        var length = value is int n ? n : (int?)null;
        _errorLength = new StrongBox<int?>(length);
        return length;
    }

    private (WorkflowDefinition Definition, QueueSql Sql) Resolve()
    {
        lock (_resolving)
        {
            if (_resolved is { } resolved)
            {
                return resolved;
            }

            using var scope = _scopes.CreateScope();
            var context = scope.ServiceProvider.GetService(Registration.ContextType)
                ?? throw WorkflowDefinitionResolver.Misconfigured(Registration, "UseDbContext", $"DbContext '{Registration.ContextType.Name}' is not registered; call AddDbContext<{Registration.ContextType.Name}>(…) first.");
            var definition = WorkflowDefinitionResolver.Resolve(Registration, ((DbContext)context).Model);
            _resolved = (definition, new QueueSql(definition));
            return _resolved.Value;
        }
    }
}
