using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The slow path for claimed rows EF Core cannot materialise (a NULL in a required column, a value the model cannot
/// hold): read them one at a time so that each unreadable row becomes an error with a reason, and the rest proceed.
/// </summary>
internal static class RowReader
{
    public static bool IsMaterializationFailure(Exception exception)
        => exception is InvalidOperationException or InvalidCastException or FormatException or OverflowException
            && exception is not DbException
            && exception.InnerException is not DbException;

    /// <summary>Runs a key-returning statement on the session's connection and transaction, prepared by <paramref name="preparation"/> when given.</summary>
    public static async Task<List<object?>> ReadKeysAsync(DbContext db, string sql, IEnumerable<NpgsqlParameter> parameters, CancellationToken cancellationToken, StatementPreparation? preparation = null)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = StatementPreparation.CreateCommand(db, sql, parameters);
            await using (command.ConfigureAwait(false))
            {
                if (preparation is not null)
                {
                    await preparation.PrepareAsync(command, cancellationToken).ConfigureAwait(false);
                }

                var keys = new List<object?>();
                NpgsqlDataReader reader;
                try
                {
                    reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (preparation is not null && ex.SqlState == PostgresErrorCodes.InvalidSqlStatementName)
                {
                    preparation.Missing(command.Connection);
                    throw;
                }

                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        keys.Add(reader.GetValue(0));
                    }
                }

                return keys;
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads each key's row on its own; rows that fail to materialise come back as unreadable with the reason.</summary>
    public static async Task<Claim<TEntity>> ReadOneByOneAsync<TEntity>(DbContext db, WorkflowSql sql, IReadOnlyList<object?> keys, CancellationToken cancellationToken)
        where TEntity : class
    {
        var items = new List<TEntity>(keys.Count);
        var unreadable = new List<(object? Key, string Reason)>();
        foreach (var key in keys)
        {
            try
            {
                var rows = await db.Set<TEntity>()
                    .FromSqlRaw(sql.SelectOne, new NpgsqlParameter(WorkflowSql.KeyParameter, key))
                    .AsNoTracking()
                    .ToListAsync(cancellationToken)
                    .ConfigureAwait(false);
                items.AddRange(rows);
            }
            catch (Exception ex) when (IsMaterializationFailure(ex))
            {
                unreadable.Add((key, "the row could not be read: " + ErrorReason.Of(ex.InnerException ?? ex)));
            }
        }

        return new Claim<TEntity>(items, unreadable);
    }
}

/// <summary>The rows of one claim: those read, and the keys of those that could not be read, with the reason.</summary>
internal sealed record Claim<TEntity>(IReadOnlyList<TEntity> Items, IReadOnlyList<(object? Key, string Reason)> Unreadable)
{
    /// <summary>A copy of each item as claimed (same order), when the items may run untracked; null when they are attached before their processors run.</summary>
    public IReadOnlyList<TEntity>? Originals { get; init; }

    /// <summary>The claiming transaction's id, when the claim statement returned it (atomic batch).</summary>
    public long? TransactionId { get; init; }
}
