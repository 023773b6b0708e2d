using ScraperSky.Pipeline.Definition;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// Checks a workflow against the live database in one round trip that reads no row: the table and columns exist
/// and the four status values are valid for the column's type (an enum label, text or a number).
/// </summary>
internal static class SchemaCheck
{
    /// <summary>Runs the check; a mismatch throws <see cref="InvalidOperationException"/> naming the workflow and the setting.</summary>
    public static async Task RunAsync(DbContext db, WorkflowDefinition definition, WorkflowSql sql, CancellationToken cancellationToken)
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync(sql.VerifySchema, cancellationToken).ConfigureAwait(false);
            if (definition.ErrorColumn is not null && await ErrorColumnLengthAsync(db, definition, cancellationToken).ConfigureAwait(false) is { } length)
            {
                sql.LimitErrorText(length);
            }
        }
        catch (PostgresException ex) when (Describe(ex, definition) is { } problem)
        {
            throw new InvalidOperationException($"Status workflow '{definition.Name}' is misconfigured ({problem.Setting}): {problem.Text}", ex);
        }
    }

    /// <summary>The length limit of a <c>varchar(n)</c> or <c>char(n)</c> error column, or null when it has none.</summary>
    private static async Task<int?> ErrorColumnLengthAsync(DbContext db, WorkflowDefinition definition, CancellationToken cancellationToken)
    {
        var lengths = await db.Database.SqlQueryRaw<int?>(ErrorColumnLengthSql, new NpgsqlParameter("p0", definition.Table), new NpgsqlParameter("p1", Unquote(definition.ErrorColumn!)))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return lengths.FirstOrDefault();
    }

    /// <summary>Reads the length limit of a column (<c>@p0</c> the quoted table, <c>@p1</c> the column), or NULL when it has none.</summary>
    internal const string ErrorColumnLengthSql = """
        SELECT CASE WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4 THEN a.atttypmod - 4 END AS "Value"
          FROM pg_attribute a WHERE a.attrelid = to_regclass(@p0) AND a.attname = @p1 AND NOT a.attisdropped
        """;

    /// <summary>A quoted identifier's name as the catalog stores it.</summary>
    internal static string Unquote(string quoted) => quoted.Trim('"').Replace("\"\"", "\"", StringComparison.Ordinal);

    /// <summary>Whether a failure means the database could not be reached (worth retrying), not a mismatch.</summary>
    public static bool IsUnreachable(Exception exception) => exception switch
    {
        // A server error is a mismatch, unless the server said "not now": starting up or in crash recovery (57P03),
        // shutting down, too many clients — the same database will answer later.
        PostgresException postgres => postgres.IsTransient || postgres.SqlState is PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.TooManyConnections,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or TimeoutException or IOException,
        SocketException or TimeoutException => true,
        InvalidOperationException { InnerException: { } inner } => IsUnreachable(inner),
        _ => false,
    };

    private static (string Setting, string Text)? Describe(PostgresException ex, WorkflowDefinition d) => ex.SqlState switch
    {
        PostgresErrorCodes.UndefinedTable => ("entity", $"table {d.TableDisplayName} does not exist in the database ({ex.MessageText}). Create it (apply your migrations) before starting the host."),
        PostgresErrorCodes.UndefinedColumn => ("entity", $"a mapped column of table {d.TableDisplayName} does not exist ({ex.MessageText}). Apply your migrations."),
        PostgresErrorCodes.InvalidTextRepresentation => ("Status", $"a status value is not valid for column {d.StatusColumn} stored as {d.StatusStorage}: {ex.MessageText}. The four values must be labels of the column's type."),
        PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.DatatypeMismatch or PostgresErrorCodes.CannotCoerce
            => ("TStatus", $"the model stores the status as {d.StatusStorage}, which does not match the type of column {d.StatusColumn} in the database ({ex.MessageText})."),
        _ => null,
    };
}
