using System.Text;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.WakeUp;

/// <summary>
/// The wake-up trigger of a workflow: a notification on the workflow's channel whenever a row's status becomes the
/// queued value, by INSERT or UPDATE, from any writer. The payload is empty: PostgreSQL delivers identical
/// notifications of one transaction once, so a bulk update that queues 10,000 rows sends one.
/// </summary>
internal static class WakeUpSql
{
    private const int MaxIdentifierLength = 63;

    /// <summary>The notification channel of a workflow: <c>scrapersky_&lt;name&gt;</c>, lower case, at most 63 bytes.</summary>
    public static string Channel(string workflowName) => Truncate("scrapersky_" + Sanitize(workflowName));

    /// <summary>The DDL that installs (or replaces) the workflow's trigger; idempotent, for a migration or for start-up.</summary>
    public static string TriggerDdl(WorkflowDefinition definition)
    {
        var channel = Channel(definition.Name);
        var baseName = Truncate("scrapersky_wake_" + Sanitize(definition.Name));
        var function = SqlIdentifier.Qualify(definition.StoreObject.Schema, baseName);
        var insertTrigger = SqlIdentifier.Quote(Truncate(baseName + "_ins"));
        var updateTrigger = SqlIdentifier.Quote(Truncate(baseName + "_upd"));
        var status = definition.StatusColumn;
        var queued = definition.Literals.Queued;
        return $"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $scrapersky$
            BEGIN
                PERFORM pg_notify('{channel}', '');
                RETURN NULL;
            END
            $scrapersky$;
            DROP TRIGGER IF EXISTS {insertTrigger} ON {definition.Table};
            CREATE TRIGGER {insertTrigger} AFTER INSERT ON {definition.Table}
                FOR EACH ROW WHEN (NEW.{status} = {queued}) EXECUTE FUNCTION {function}();
            DROP TRIGGER IF EXISTS {updateTrigger} ON {definition.Table};
            CREATE TRIGGER {updateTrigger} AFTER UPDATE OF {status} ON {definition.Table}
                FOR EACH ROW WHEN (NEW.{status} = {queued} AND OLD.{status} IS DISTINCT FROM NEW.{status}) EXECUTE FUNCTION {function}();
            """;
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return builder.ToString();
    }

    private static string Truncate(string identifier) => identifier.Length <= MaxIdentifierLength ? identifier : identifier[..MaxIdentifierLength];
}
