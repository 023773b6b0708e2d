using ScraperSky.Pipeline.Definition;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The start-up doctor: checks that an index serves the claim (and, in lease mode, the rescuer), that the optional
/// columns have usable types, and reports rows whose status is none of the workflow's four values. Findings carry
/// the statement that fixes them; <see cref="StartupCheckMode"/> decides whether they warn or stop start-up.
/// </summary>
internal static class WorkflowDoctor
{
    /// <summary>Tables estimated smaller than this are not worth an index warning: a scan of them is cheap.</summary>
    public const long LargeTableRows = 10_000;

    /// <summary>An error column shorter than this cuts most reasons (exception messages) to uselessness.</summary>
    public const int ShortErrorColumn = 50;

    /// <summary>Examines the workflow's table; <paramref name="moreChecks"/> adds the findings of other pieces (the wake-up leftovers) on the same connection.</summary>
    public static async Task<IReadOnlyList<string>> ExamineAsync(DbContext db, WorkflowDefinition definition, WorkflowSql sql, ClaimMode mode, Func<NpgsqlConnection, List<string>, CancellationToken, Task> moreChecks, ILogger logger, CancellationToken cancellationToken)
    {
        var findings = new List<string>();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var table = await ReadTableAsync(connection, definition, cancellationToken).ConfigureAwait(false);

            // A queued value that only a typo separates from the data comes first: an index on it would not help.
            var typo = await StatusValueDoctor.ExamineAsync(connection, definition, sql, logger, findings, cancellationToken).ConfigureAwait(false);
            var statusName = Unquote(definition.StatusColumn);
            var claimIndexed = table.Indexes.Any(i => i.Predicate?.Contains(statusName, StringComparison.Ordinal) == true || i.LeadingColumn == statusName);
            var hints = new IndexHints(definition, table.Partitions);
            if (typo)
            {
                // No index advice for a value the data does not have.
            }
            else if (!claimIndexed)
            {
                findings.Add($"no index serves the claim on {definition.TableDisplayName} (the claim filters on {definition.StatusColumn}); create the recommended partial index: {hints.Create("queued", sql.ClaimIndexBody, sql.ClaimIndexName)}");
            }
            else if (table.EstimatedRows >= LargeTableRows && await ClaimScansTableAsync(connection, sql, definition, cancellationToken).ConfigureAwait(false))
            {
                findings.Add($"the claim on {definition.TableDisplayName} (~{table.EstimatedRows.ToString("N0", CultureInfo.InvariantCulture)} rows) plans a sequential scan; create the recommended partial index: {hints.Create("queued", sql.ClaimIndexBody, sql.ClaimIndexName)}");
            }

            if (mode == ClaimMode.Lease && sql.RescueIndexBody is not null && table.EstimatedRows >= LargeTableRows
                && !table.Indexes.Any(i => i.Definition.Contains(definition.LeaseColumn!, StringComparison.Ordinal) || i.Definition.Contains(Unquote(definition.LeaseColumn!), StringComparison.Ordinal)))
            {
                findings.Add($"no index serves the lease rescuer on {definition.TableDisplayName}; create: {hints.Create("rescue", sql.RescueIndexBody, sql.RescueIndexName!)}");
            }

            foreach (var (role, column, _) in definition.OptionalColumns)
            {
                if (table.ColumnTypes.TryGetValue(Unquote(column), out var type) && Unusable(role, type) is { } problem)
                {
                    findings.Add($"column {column} ({role}) is {type}: {problem}");
                }
            }

            await moreChecks(connection, findings, cancellationToken).ConfigureAwait(false);

            if (sql.ErrorTextLimit is { } limit && limit < ShortErrorColumn)
            {
                findings.Add($"column {definition.ErrorColumn} (error text) holds at most {limit} characters: longer reasons are cut and end with '…'; use text;");
            }

        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }

        return findings;
    }

    private static string? Unusable(string role, string type) => role switch
    {
        "attempt counter" when type is not ("smallint" or "integer" or "bigint") => "use integer",
        "lease expiry" or "next-attempt time" or "updated-at time" when type == "timestamp without time zone"
            => "use timestamp with time zone (timestamptz): comparisons with now() would depend on the session's time zone",
        "lease expiry" or "next-attempt time" or "updated-at time" when type != "timestamp with time zone" => "use timestamp with time zone (timestamptz)",
        "claim token" when type.StartsWith("character varying(", StringComparison.Ordinal)
            && int.TryParse(type["character varying(".Length..^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var length) && length < 100
            => "claim tokens are host:pid:suffix#sequence and can exceed it; use text",
        "claim token" when type is not ("text" or "character varying") && !type.StartsWith("character varying", StringComparison.Ordinal) => "use text",
        _ => null,
    };

    private static async Task<TableFacts> ReadTableAsync(NpgsqlConnection connection, WorkflowDefinition definition, CancellationToken cancellationToken)
    {
        // A partitioned parent has no rows of its own: its estimate is the sum of its partitions'.
        const string Sql = """
            SELECT coalesce((SELECT sum(greatest(reltuples, 0))::bigint FROM pg_class
                WHERE oid = to_regclass(@t) OR oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(@t))), 0);
            SELECT pg_get_indexdef(i.indexrelid), pg_get_expr(i.indpred, i.indrelid),
                   (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0])
              FROM pg_index i WHERE i.indrelid = to_regclass(@t);
            SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
             WHERE attrelid = to_regclass(@t) AND attnum > 0 AND NOT attisdropped;
            SELECT n.nspname, c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE h.inhparent = to_regclass(@t) AND (SELECT relkind FROM pg_class WHERE oid = to_regclass(@t)) = 'p' ORDER BY 2;
            """;
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("t", definition.Table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var rows = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var indexes = new List<IndexFacts>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            indexes.Add(new IndexFacts(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            columns[reader.GetString(0)] = reader.GetString(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var partitions = new List<(string Schema, string Name)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            partitions.Add((reader.GetString(0), reader.GetString(1)));
        }

        return new TableFacts(rows, indexes, columns, partitions);
    }

    private static async Task<bool> ClaimScansTableAsync(NpgsqlConnection connection, WorkflowSql sql, WorkflowDefinition definition, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("EXPLAIN (FORMAT JSON) " + sql.ClaimPlan, connection);
        command.Parameters.Add(new NpgsqlParameter(WorkflowSql.NowParameter, NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        command.Parameters.AddRange(definition.Filter?.CreateParameters().ToArray() ?? []);

        var plan = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        using var json = JsonDocument.Parse(plan);
        return HasSeqScan(json.RootElement);
    }

    private static bool HasSeqScan(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p => (p.Name == "Node Type" && p.Value.GetString() == "Seq Scan") || HasSeqScan(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(HasSeqScan),
        _ => false,
    };

    internal static string Unquote(string quoted) => quoted.Trim('"').Replace("\"\"", "\"", StringComparison.Ordinal);

    private sealed record TableFacts(long EstimatedRows, IReadOnlyList<IndexFacts> Indexes, IReadOnlyDictionary<string, string> ColumnTypes, IReadOnlyList<(string Schema, string Name)> Partitions);

    private sealed record IndexFacts(string Definition, string? Predicate, string? LeadingColumn);
}
