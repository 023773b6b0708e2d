using Microsoft.EntityFrameworkCore;
using Npgsql;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.WakeUp;

/// <summary>
/// At start-up, for a workflow with <see cref="StatusWorkflowWakeUpOptions.Enabled"/> on and a trigger installed by a
/// migration: checks that the trigger function exists with the current body and that both triggers call it, so that a
/// missing or outdated trigger is reported instead of leaving the workflow to poll without a word.
/// </summary>
internal static class WakeUpTriggerCheck
{
    /// <summary>Returns what is wrong with the installed trigger, or null when it is the current version.</summary>
    public static async Task<string?> ProblemAsync(DbContext db, WorkflowDefinition definition, StatusWorkflowOptions options, CancellationToken cancellationToken)
    {
        var (function, insert, update) = WakeUpSql.TriggerNames(definition.Name);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand(WakeUpSql.InstalledTrigger, connection);
            command.Parameters.AddWithValue("function", WakeUpSql.Function(definition));
            command.Parameters.AddWithValue("table", definition.Table);
            command.Parameters.AddWithValue("insert", insert);
            command.Parameters.AddWithValue("update", update);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var body = reader.IsDBNull(0) ? null : reader.GetString(0);
            var triggers = reader.GetInt64(1);
            var fix = $"rows queued by other writers wait for the next poll (Schedule:Interval {options.Schedule.Interval}). Install it: set WakeUp:InstallTrigger = true, or run StatusWorkflowScripts.WakeUpTrigger(\"{definition.Name}\") in a migration.";
            if (body is null)
            {
                return $"WakeUp:Enabled is on but the wake-up trigger function {function} does not exist; {fix}";
            }

            if (!string.Equals(body.Trim(), WakeUpSql.FunctionBody(definition.Name).Trim(), StringComparison.Ordinal))
            {
                return $"WakeUp:Enabled is on but the wake-up trigger function {function} is not the current version (it does not notify channel '{WakeUpSql.Channel(definition.Name)}'); {fix}";
            }

            return triggers < 2
                ? $"WakeUp:Enabled is on but {(triggers == 0 ? "neither trigger" : "only one of the triggers")} {insert} and {update} calls {function} on {definition.TableDisplayName} (missing or disabled); {fix}"
                : null;
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }
}
