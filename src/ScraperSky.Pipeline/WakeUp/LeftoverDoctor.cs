using Npgsql;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.WakeUp;

/// <summary>
/// The doctor's look for what earlier migrations and renames left on the workflow's table: an index left invalid by a
/// failed <c>CREATE INDEX CONCURRENTLY</c> (it costs every write and serves no read, and <c>IF NOT EXISTS</c> would
/// skip rebuilding it), and wake-up trigger functions of workflows this host no longer registers (every queued row
/// still notifies a channel nobody listens to).
/// </summary>
internal static class LeftoverDoctor
{
    public static async Task ExamineAsync(NpgsqlConnection connection, WorkflowDefinition definition, IReadOnlyCollection<string> registeredWorkflows, List<string> findings, CancellationToken cancellationToken)
    {
        const string InvalidIndexes = "SELECT i.indexrelid::regclass::text FROM pg_index i WHERE i.indrelid = to_regclass(@table) AND NOT i.indisvalid ORDER BY 1";
        await using (var command = new NpgsqlCommand(InvalidIndexes, connection))
        {
            command.Parameters.AddWithValue("table", definition.Table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var index = reader.GetString(0);
                findings.Add($"index {index} on {definition.TableDisplayName} is invalid (a CREATE INDEX CONCURRENTLY that failed or was interrupted): it slows every write and serves no query, and CREATE INDEX ... IF NOT EXISTS skips it; drop it and build it again: DROP INDEX CONCURRENTLY {index};");
            }
        }

        var current = registeredWorkflows.Select(name => WakeUpSql.TriggerNames(name).Function).ToHashSet(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(WakeUpSql.TriggersOnTable, connection))
        {
            command.Parameters.AddWithValue("table", definition.Table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (schema, function, triggers) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                if (current.Contains(function))
                {
                    continue;
                }

                var drops = string.Join(" ", triggers.Split(',').Select(t => $"DROP TRIGGER IF EXISTS {SqlIdentifier.Quote(t)} ON {definition.Table};"));
                findings.Add($"the wake-up trigger function {SqlIdentifier.Qualify(schema, function)} on {definition.TableDisplayName} belongs to no workflow this host registers (a renamed or removed workflow): its triggers notify a channel nobody listens to; if no other application uses it, remove it: {drops} DROP FUNCTION IF EXISTS {SqlIdentifier.Qualify(schema, function)}();");
            }
        }
    }
}
