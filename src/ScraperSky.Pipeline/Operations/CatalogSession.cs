using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Operations;

/// <summary>
/// Runs the catalog's statements: each in a read-only transaction of its own, on a short-lived session of the
/// workflow's DbContext type, with a statement timeout set for that transaction only (<c>SET LOCAL</c>), so that a
/// dashboard never holds a lock, never writes, and never keeps the database busy longer than the timeout.
/// </summary>
internal sealed class CatalogSession(IServiceScopeFactory scopes, WorkflowClock clock)
{
    private int _statements;

    /// <summary>Gets how many statements were started (a test seam: concurrent callers of a cached count share one).</summary>
    public int Statements => Volatile.Read(ref _statements);

    /// <summary>A test seam awaited before each statement, with its text: a test holds a statement back to make callers overlap.</summary>
    public Func<string, Task>? BeforeStatement { get; set; }

    /// <summary>Runs <paramref name="sql"/> and reads its rows with <paramref name="read"/>.</summary>
    public async Task<T> QueryAsync<T>(
        WorkflowDefinition definition,
        string sql,
        IEnumerable<NpgsqlParameter> parameters,
        TimeSpan timeout,
        Func<NpgsqlDataReader, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _statements);
        if (BeforeStatement is { } before)
        {
            await before(sql).ConfigureAwait(false);
        }

        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(definition.Registration.ContextType);
            var connection = db.Database.GetDbConnection() as NpgsqlConnection
                ?? throw new InvalidOperationException($"Status workflow '{definition.Name}': DbContext '{definition.Registration.ContextType.Name}' does not use Npgsql.");
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var milliseconds = Math.Max(1, (long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
                    await using (var setup = new NpgsqlCommand($"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {milliseconds}", connection, transaction))
                    {
                        await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    T result;
                    await using (var command = new NpgsqlCommand(sql, connection, transaction))
                    {
                        command.Parameters.Add(clock.NowParameter());
                        command.Parameters.AddRange(parameters.ToArray());
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            result = await read(reader, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return result;
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether <paramref name="exception"/> is PostgreSQL cancelling a statement that ran past its timeout.</summary>
    public static bool IsTimeout(Exception exception)
        => exception is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled };

    /// <summary>A stored timestamp as UTC (a <c>timestamp</c> column is read as UTC, as everywhere in the library).</summary>
    public static DateTimeOffset? Timestamp(NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetFieldValue<DateTime>(ordinal), DateTimeKind.Utc));
}
