using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// Prepares a workflow's hot statements (claims, outcomes, lease renewal) on the physical connection a session uses.
/// Npgsql keeps explicitly prepared statements per physical connection across pool returns (it then resets a returned
/// connection without <c>DEALLOCATE ALL</c>), so preparing is one extra round trip the first time a connection sees a
/// statement and a dictionary look-up after that; the server then skips parsing and planning on every batch.
/// </summary>
/// <remarks>
/// Prepared statements live in the server process that parsed them, so they are only safe when a client connection
/// keeps its server process. A transaction-mode pooler (PgBouncer, Supavisor) moves a client between server processes
/// between transactions: a named statement would be missing there, or be another client's statement of the same name
/// (PgBouncer before 1.21, or without <c>max_prepared_statements</c>). Such a pooler answers the start-up with a
/// process id of its own, since cancel requests must reach it rather than the server; so the statements are prepared
/// only where the process id the connection was greeted with is the server process that runs its statements, checked
/// once per connection string. Multiplexing connections cannot prepare explicitly and are left unprepared. The
/// AppContext switch <see cref="DisableSwitch"/> turns preparation off altogether.
/// </remarks>
internal sealed class StatementPreparation
{
    /// <summary>The AppContext switch that turns statement preparation off for every workflow of the process.</summary>
    public const string DisableSwitch = "ScraperSky.Pipeline.DisableStatementPreparation";

    private readonly ConcurrentDictionary<string, bool> _direct = new(StringComparer.Ordinal);

    // Server processes (direct connections only, so the process id names one live connection) whose prepared statements
    // went missing behind Npgsql's back.
    private readonly ConcurrentDictionary<int, bool> _missing = new();

    /// <summary>Creates the preparation of one workflow's store; <paramref name="enabled"/> false never prepares.</summary>
    public StatementPreparation(bool? enabled = null)
    {
        Enabled = enabled ?? !(AppContext.TryGetSwitch(DisableSwitch, out var off) && off);
    }

    /// <summary>Gets whether statements may be prepared at all (connections still have to reach the server directly).</summary>
    public bool Enabled { get; }

    /// <summary>Prepares <paramref name="command"/> on its open connection, when that connection reaches the server directly.</summary>
    public async ValueTask PrepareAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        if (Enabled && command.Connection is { } connection && await ReachesServerDirectlyAsync(connection, command.Transaction, cancellationToken).ConfigureAwait(false))
        {
            if (!_missing.IsEmpty && _missing.TryRemove(connection.ProcessID, out _))
            {
                // DEALLOCATE ALL and forget: Npgsql has no asynchronous form; this happens once after such a failure.
                connection.UnprepareAll();
            }

            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether connections of <paramref name="connection"/>'s connection string talk to the server process that greeted them.</summary>
    public async ValueTask<bool> ReachesServerDirectlyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var key = connection.ConnectionString;
        if (_direct.TryGetValue(key, out var direct))
        {
            return direct;
        }

        direct = !new NpgsqlConnectionStringBuilder(key).Multiplexing && await ServerProcessAsync(connection, transaction, cancellationToken).ConfigureAwait(false) == connection.ProcessID;
        _direct.TryAdd(key, direct);
        return direct;
    }

    /// <summary>
    /// Runs a statement on the session's connection (in its open transaction, if any), prepared when it may be, and
    /// hands the command to <paramref name="run"/>.
    /// </summary>
    public async Task<T> RunAsync<T>(DbContext db, string sql, IEnumerable<NpgsqlParameter> parameters, Func<NpgsqlCommand, CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = CreateCommand(db, sql, parameters);
            await using (command.ConfigureAwait(false))
            {
                await PrepareAsync(command, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await run(command, cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidSqlStatementName)
                {
                    Missing(command.Connection);
                    throw;
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records that a statement prepared on <paramref name="connection"/> was missing on the server (26000: a processor
    /// ran <c>DEALLOCATE ALL</c> on its session). Npgsql would go on binding the missing statements on every later batch
    /// of that physical connection, and cannot be told so inside the failed transaction; so the next
    /// <see cref="PrepareAsync"/> on that server process makes Npgsql drop its prepared statements first, and prepares
    /// again. The failed statement's error still ends its batch.
    /// </summary>
    public void Missing(NpgsqlConnection? connection)
    {
        if (connection is { State: System.Data.ConnectionState.Open } && _direct.TryGetValue(connection.ConnectionString, out var direct) && direct)
        {
            _missing.TryAdd(connection.ProcessID, true);
        }
    }

    /// <summary>A command on the session's open connection and transaction, with the session's command timeout.</summary>
    public static NpgsqlCommand CreateCommand(DbContext db, string sql, IEnumerable<NpgsqlParameter> parameters)
    {
        var command = (NpgsqlCommand)db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
        if (db.Database.GetCommandTimeout() is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static async Task<int> ServerProcessAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }
}
