using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>The store's lease and maintenance statements: renewal, ending a backend, the rescue, server timeouts, the queue count.</summary>
internal sealed partial class WorkflowStore<TEntity>
    where TEntity : class
{
    /// <summary>Extends one row's lease while <paramref name="token"/> still holds it; false if it does not, or the row is locked.</summary>
    public async Task<bool> ExtendLeaseAsync(DbContext db, object? key, string token, TimeSpan duration, CancellationToken cancellationToken)
    {
        var affected = await Preparation.RunAsync(
            db,
            Sql.ExtendLease!,
            [
                new NpgsqlParameter(WorkflowSql.KeyParameter, key),
                new NpgsqlParameter(WorkflowSql.TokenParameter, NpgsqlDbType.Text) { Value = token },
                new NpgsqlParameter(WorkflowSql.LeaseParameter, NpgsqlDbType.Interval) { Value = duration },
                Clock.NowParameter(),
            ],
            static (command, ct) => command.ExecuteNonQueryAsync(ct),
            cancellationToken).ConfigureAwait(false);
        return affected == 1;
    }

    /// <summary>Renews the leases of the rows held (keys with their tokens) in one statement; returns how many were renewed.</summary>
    public async Task<int> RenewLeasesAsync(Array keys, string[] tokens, TimeSpan duration, CancellationToken cancellationToken)
    {
        var session = Sessions.Rent();
        await using (session.ConfigureAwait(false))
        {
            return await Preparation.RunAsync(
                session.Db,
                Sql.RenewLeases!,
                [
                    TypedArrays.Create(WorkflowSql.KeysParameter, keys),
                    new NpgsqlParameter<string[]>(WorkflowSql.TokensParameter, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = tokens },
                    new NpgsqlParameter(WorkflowSql.LeaseParameter, NpgsqlDbType.Interval) { Value = duration },
                    Clock.NowParameter(),
                ],
                static (command, ct) => command.ExecuteNonQueryAsync(ct),
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a backend on the server side (its open transaction rolls back and its locks go); true if it was ended.</summary>
    public async Task<bool> TerminateBackendAsync(int processId, CancellationToken cancellationToken)
    {
        var (scope, db) = OpenSession();
        await using (scope.ConfigureAwait(false))
        {
            return await ScalarAsync(db, WorkflowSql.TerminateBackend, [new NpgsqlParameter(WorkflowSql.PidParameter, processId)], cancellationToken).ConfigureAwait(false) is true;
        }
    }

    /// <summary>One rescue statement: up to <paramref name="chunkSize"/> expired leases back to the queue, or to error after the last attempt.</summary>
    public async Task<(int Requeued, int Failed)> RescueChunkAsync(DbContext db, long lockKey, int chunkSize, int maxAttempts, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RescueChunkOnOpenConnectionAsync(db, lockKey, chunkSize, maxAttempts, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private async Task<(int Requeued, int Failed)> RescueChunkOnOpenConnectionAsync(DbContext db, long lockKey, int chunkSize, int maxAttempts, CancellationToken cancellationToken)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = Sql.Rescue!;
            command.Parameters.Add(new NpgsqlParameter(WorkflowSql.LockParameter, lockKey));
            command.Parameters.Add(new NpgsqlParameter(WorkflowSql.BatchSizeParameter, chunkSize));
            command.Parameters.Add(new NpgsqlParameter(WorkflowSql.MaxAttemptsParameter, maxAttempts));
            command.Parameters.Add(Clock.NowParameter());
            if (_definition.Filter is { } filter)
            {
                command.Parameters.AddRange(filter.CreateParameters().ToArray());
            }

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

            return (requeued, failed);
        }
    }

    /// <summary>The session's <c>idle_in_transaction_session_timeout</c> and <c>statement_timeout</c> (zero: none).</summary>
    public async Task<IReadOnlyList<(string Setting, TimeSpan Value)>> ServerTimeoutsAsync(DbContext db, CancellationToken cancellationToken)
    {
        var result = new List<(string, TimeSpan)>();
        foreach (var setting in (string[])["idle_in_transaction_session_timeout", "statement_timeout"])
        {
            // current_setting with a constant name; the value is in milliseconds without a unit from pg_settings.
            var value = await ScalarAsync(db, "SELECT setting::bigint FROM pg_settings WHERE name = @name", [new NpgsqlParameter("name", setting)], cancellationToken).ConfigureAwait(false);
            result.Add((setting, TimeSpan.FromMilliseconds(value is long ms ? ms : 0)));
        }

        return result;
    }
    /// <summary>Counts the queued rows (the queue-depth gauge).</summary>
    public async Task<long> CountQueuedAsync(CancellationToken cancellationToken)
    {
        var (scope, db) = OpenSession();
        await using (scope.ConfigureAwait(false))
        {
            var counts = await db.Database.SqlQueryRaw<long>(Sql.QueueDepth).ToListAsync(cancellationToken).ConfigureAwait(false);
            return counts.Single();
        }
    }
}
