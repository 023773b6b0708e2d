using ScraperSky.Pipeline.Definition;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The doctor's look at the status values in the data: rows with other statuses (saying when a count comes from a
/// sample), a queued value that no row has while rows have one close to it (case or spacing: a typo in
/// <c>Status(…)</c> that would claim nothing, ever), and CHECK constraints that refuse one of the four values.
/// </summary>
internal static class StatusValueDoctor
{
    private static readonly string[] Roles = ["queued", "processing", "completed", "error"];

    /// <summary>Logs what is only worth knowing; returns the findings that <see cref="StartupCheckMode.Fail"/> stops on.</summary>
    public static async Task<bool> ExamineAsync(NpgsqlConnection connection, WorkflowDefinition definition, WorkflowSql sql, ILogger logger, List<string> findings, CancellationToken cancellationToken)
    {
        var values = await StatusTextsAsync(connection, sql, cancellationToken).ConfigureAwait(false);
        await CheckConstraintsAsync(connection, definition, values, findings, cancellationToken).ConfigureAwait(false);

        var unknown = await UnknownStatusesAsync(connection, sql, cancellationToken).ConfigureAwait(false);
        var sampled = unknown.Sum(u => u.Count) >= WorkflowSql.UnknownStatusSample;
        foreach (var (status, count) in unknown.Take(5))
        {
            var shown = status is null ? "NULL" : $"'{status}'";
            if (sampled)
            {
                Log.UnknownStatusSampled(logger, definition.Name, shown, count, WorkflowSql.UnknownStatusSample);
            }
            else
            {
                Log.UnknownStatus(logger, definition.Name, shown, count);
            }
        }

        var queued = values[0];
        var near = unknown.Where(u => u.Status is not null && u.Status != queued && Fold(u.Status) == Fold(queued)).ToList();
        if (near.Count == 0)
        {
            return false;
        }

        var described = string.Join(", ", near.Select(n => $"'{n.Status}' ({(sampled ? "at least " : string.Empty)}{n.Count.ToString("N0", CultureInfo.InvariantCulture)} rows)"));
        await using var exists = new NpgsqlCommand(sql.QueuedExists, connection);
        if ((bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            Log.DoctorFinding(logger, definition.Name, $"rows have status {described}, close to the queued value '{queued}' (case or spacing); they are never claimed.");
            return false;
        }

        findings.Add($"no row has the queued value '{queued}' of column {definition.StatusColumn}, but rows have {described}, which differs only in case or spacing: the workflow would never claim them. Check the queued value given to Status(…) against the data;");
        return true;
    }

    private static string Fold(string value) => string.Concat(value.Where(c => !char.IsWhiteSpace(c) && c is not '_' and not '-')).ToLowerInvariant();

    private static async Task<string[]> StatusTextsAsync(NpgsqlConnection connection, WorkflowSql sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql.StatusTexts, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return [reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)];
    }

    private static async Task<List<(string? Status, long Count)>> UnknownStatusesAsync(NpgsqlConnection connection, WorkflowSql sql, CancellationToken cancellationToken)
    {
        var rows = new List<(string?, long)>();
        await using var command = new NpgsqlCommand(sql.UnknownStatuses, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    /// <summary>
    /// Evaluates each CHECK constraint on the status column alone with each of the four values bound to the column,
    /// in PostgreSQL itself, so that any form of constraint (IN lists, ANY, comparisons, functions) is judged exactly.
    /// </summary>
    private static async Task CheckConstraintsAsync(NpgsqlConnection connection, WorkflowDefinition definition, string[] values, List<string> findings, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT c.conname, pg_get_constraintdef(c.oid), pg_get_expr(c.conbin, c.conrelid)
              FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attname = @column
             WHERE c.conrelid = to_regclass(@table) AND c.contype = 'c' AND c.conkey = ARRAY[a.attnum]
            """;
        var constraints = new List<(string Name, string Definition, string Expression)>();
        await using (var command = new NpgsqlCommand(Sql, connection))
        {
            command.Parameters.AddWithValue("column", WorkflowDoctor.Unquote(definition.StatusColumn));
            command.Parameters.AddWithValue("table", definition.Table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                constraints.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var literals = new[] { definition.Literals.Queued, definition.Literals.Processing, definition.Literals.Completed, definition.Literals.Error };
        foreach (var (name, constraintDefinition, expression) in constraints)
        {
            for (var i = 0; i < literals.Length; i++)
            {
                // A CHECK passes unless its expression is false; the constraint names the column unqualified.
                await using var evaluate = new NpgsqlCommand($"SELECT ({expression}) IS NOT FALSE FROM (SELECT {literals[i]} AS {definition.StatusColumn}) AS v", connection);
                bool allowed;
                try
                {
                    allowed = (bool)(await evaluate.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                }
                catch (PostgresException)
                {
                    continue;
                }

                if (!allowed)
                {
                    findings.Add($"CHECK constraint {name} on {definition.TableDisplayName} ({constraintDefinition}) refuses the workflow's {Roles[i]} value '{values[i]}': " +
                        (i == 0 ? "no row can be queued with it, so nothing would ever be claimed" : $"writing it would fail") + ". Check Status(…)'s values against the constraint;");
                }
            }
        }
    }
}
