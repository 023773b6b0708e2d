using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace ScraperSky.Pipeline.History;

/// <summary>
/// Runs the history's statements (<see cref="HistorySql"/>) on a short-lived connection: one of its own when
/// <see cref="PipelineHistoryOptions.ConnectionString"/> is set, otherwise a session of the first registered workflow's
/// DbContext. Every write is one round trip.
/// </summary>
internal sealed class HistoryStore
{
    private readonly Func<CancellationToken, Task<Session>> _open;

    public HistoryStore(HistorySql sql, string? connectionString, Type? contextType, IServiceScopeFactory scopes)
    {
        Sql = sql;
        if (connectionString is not null)
        {
            _open = async ct =>
            {
                var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct).ConfigureAwait(false);
                return new Session(connection, connection);
            };
        }
        else if (contextType is not null)
        {
            _open = async ct =>
            {
                var scope = scopes.CreateAsyncScope();
                var db = (DbContext)scope.ServiceProvider.GetRequiredService(contextType);
                await db.Database.OpenConnectionAsync(ct).ConfigureAwait(false);
                return new Session((NpgsqlConnection)db.Database.GetDbConnection(), scope);
            };
        }
        else
        {
            _open = _ => throw new InvalidOperationException(
                "Pipeline history has no database: register a status workflow (its DbContext's database is used) or set History:ConnectionString.");
        }
    }

    public HistorySql Sql { get; }

    /// <summary>Creates the schema and tables if they are missing (idempotent).</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var session = await _open(cancellationToken).ConfigureAwait(false);
        await using var transaction = await session.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(Sql.Ddl, session.Connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the minutes and failure groups to what is stored, in one round trip; returns the statements sent.</summary>
    public async Task<int> WriteAsync(IReadOnlyList<PendingMinute> minutes, IReadOnlyList<PendingErrors> errors, CancellationToken cancellationToken)
    {
        await using var session = await _open(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(session.Connection);
        if (minutes.Count > 0)
        {
            batch.BatchCommands.Add(MinutesCommand(minutes));
        }

        if (errors.Count > 0)
        {
            batch.BatchCommands.Add(ErrorsCommand(errors));
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return batch.BatchCommands.Count;
    }

    /// <summary>Deletes rows older than <paramref name="cutoff"/> if this host wins the election; returns whether it did and what it deleted.</summary>
    public async Task<(bool Elected, long Minutes, long Errors)> ApplyRetentionAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var session = await _open(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Sql.Retention, session.Connection);
        command.Parameters.Add(new NpgsqlParameter("cutoff", NpgsqlDbType.TimestampTz) { Value = cutoff.UtcDateTime });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetBoolean(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>Opens a session for a read.</summary>
    public Task<Session> OpenAsync(CancellationToken cancellationToken) => _open(cancellationToken);

    private NpgsqlBatchCommand MinutesCommand(IReadOnlyList<PendingMinute> minutes)
    {
        var n = HistoryBuckets.Count;
        var wait = new long[minutes.Count * n];
        var processing = new long[minutes.Count * n];
        for (var i = 0; i < minutes.Count; i++)
        {
            minutes[i].Counts.Wait.CopyTo(wait, i * n);
            minutes[i].Counts.Processing.CopyTo(processing, i * n);
        }

        var command = new NpgsqlBatchCommand(Sql.UpsertMinutes);
        Add(command, "workflow", NpgsqlDbType.Text, minutes.Select(m => m.Workflow).ToArray());
        Add(command, "minute", NpgsqlDbType.TimestampTz, minutes.Select(m => m.Minute.UtcDateTime).ToArray());
        Add(command, "completed", NpgsqlDbType.Bigint, minutes.Select(m => m.Counts.Completed).ToArray());
        Add(command, "failed", NpgsqlDbType.Bigint, minutes.Select(m => m.Counts.Failed).ToArray());
        Add(command, "retried", NpgsqlDbType.Bigint, minutes.Select(m => m.Counts.Retried).ToArray());
        Add(command, "snoozed", NpgsqlDbType.Bigint, minutes.Select(m => m.Counts.Snoozed).ToArray());
        Add(command, "rescued", NpgsqlDbType.Bigint, minutes.Select(m => m.Counts.Rescued).ToArray());
        Add(command, "wait_max", NpgsqlDbType.Double, minutes.Select(m => m.Counts.WaitMax).ToArray());
        Add(command, "processing_max", NpgsqlDbType.Double, minutes.Select(m => m.Counts.ProcessingMax).ToArray());
        Add(command, "wait", NpgsqlDbType.Bigint, wait);
        Add(command, "processing", NpgsqlDbType.Bigint, processing);
        return command;
    }

    private NpgsqlBatchCommand ErrorsCommand(IReadOnlyList<PendingErrors> errors)
    {
        var keys = new List<string>();
        var from = new int[errors.Count];
        var to = new int[errors.Count];
        for (var i = 0; i < errors.Count; i++)
        {
            from[i] = keys.Count + 1;

            // Newest first: the stored keys are merged after the new ones and cut to the sample size.
            keys.AddRange(Enumerable.Reverse(errors[i].Group.SampleKeys));
            to[i] = keys.Count;
        }

        var command = new NpgsqlBatchCommand(Sql.UpsertErrors);
        Add(command, "workflow", NpgsqlDbType.Text, errors.Select(e => e.Workflow).ToArray());
        Add(command, "message", NpgsqlDbType.Text, errors.Select(e => e.Group.Message).ToArray());
        Add(command, "hour", NpgsqlDbType.TimestampTz, errors.Select(e => e.Hour.UtcDateTime).ToArray());
        Add(command, "failures", NpgsqlDbType.Bigint, errors.Select(e => e.Group.Count).ToArray());
        Add(command, "first_seen", NpgsqlDbType.TimestampTz, errors.Select(e => e.Group.FirstSeen.UtcDateTime).ToArray());
        Add(command, "last_seen", NpgsqlDbType.TimestampTz, errors.Select(e => e.Group.LastSeen.UtcDateTime).ToArray());
        Add(command, "key_from", NpgsqlDbType.Integer, from);
        Add(command, "key_to", NpgsqlDbType.Integer, to);
        Add(command, "keys", NpgsqlDbType.Text, keys.ToArray());
        return command;
    }

    private static void Add(NpgsqlBatchCommand command, string name, NpgsqlDbType type, Array values)
        => command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });

    /// <summary>An open connection and what to dispose to end it (the connection, or the DbContext's scope).</summary>
    internal sealed class Session(NpgsqlConnection connection, IAsyncDisposable owner) : IAsyncDisposable
    {
        public NpgsqlConnection Connection { get; } = connection;

        public ValueTask DisposeAsync() => owner.DisposeAsync();
    }
}
