using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The optional queued-at trigger of a workflow with an updated-at column: when a writer outside the library (psql, a
/// service of its own) makes a row's status the queued value and leaves updated-at alone, the trigger sets updated-at
/// to the transaction's <c>now()</c>, so that the queue lag measures from when the row was really queued.
/// </summary>
/// <remarks>
/// Writers that set updated-at themselves (the library's own statements among them) keep their value. Names follow
/// <see cref="SqlIdentifier.Bounded"/> with the prefix <c>scrapersky_queued_at_</c>.
/// </remarks>
internal static class QueuedAtSql
{
    private const string Prefix = "scrapersky_queued_at_";

    /// <summary>The names of a workflow's trigger function (unqualified) and of its two triggers.</summary>
    public static (string Function, string InsertTrigger, string UpdateTrigger) Names(string workflowName)
        => (SqlIdentifier.Bounded(Prefix, workflowName, string.Empty), SqlIdentifier.Bounded(Prefix, workflowName, "_ins"), SqlIdentifier.Bounded(Prefix, workflowName, "_upd"));

    /// <summary>The DDL that installs (or replaces) the trigger; idempotent. Null when the workflow has no updated-at column.</summary>
    public static string? TriggerDdl(WorkflowDefinition definition)
    {
        if (definition.UpdatedAtColumn is not { } updated)
        {
            return null;
        }

        var (name, insert, update) = Names(definition.Name);
        var function = SqlIdentifier.Qualify(definition.StoreObject.Schema, name);
        var insertTrigger = SqlIdentifier.Quote(insert);
        var updateTrigger = SqlIdentifier.Quote(update);
        var status = definition.StatusColumn;
        var queued = definition.Literals.Queued;
        return $"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $scrapersky$
            BEGIN
                NEW.{updated} := now();
                RETURN NEW;
            END
            $scrapersky$;
            DROP TRIGGER IF EXISTS {insertTrigger} ON {definition.Table};
            CREATE TRIGGER {insertTrigger} BEFORE INSERT ON {definition.Table}
                FOR EACH ROW WHEN (NEW.{status} = {queued} AND NEW.{updated} IS NULL) EXECUTE FUNCTION {function}();
            DROP TRIGGER IF EXISTS {updateTrigger} ON {definition.Table};
            CREATE TRIGGER {updateTrigger} BEFORE UPDATE OF {status} ON {definition.Table}
                FOR EACH ROW WHEN (NEW.{status} = {queued} AND OLD.{status} IS DISTINCT FROM NEW.{status} AND NEW.{updated} IS NOT DISTINCT FROM OLD.{updated})
                EXECUTE FUNCTION {function}();
            """;
    }

    /// <summary>The DDL that removes the trigger and its function; idempotent, whatever columns the workflow maps now.</summary>
    public static string RemoveTriggerDdl(WorkflowDefinition definition)
    {
        var (name, insert, update) = Names(definition.Name);
        return $"""
            DROP TRIGGER IF EXISTS {SqlIdentifier.Quote(insert)} ON {definition.Table};
            DROP TRIGGER IF EXISTS {SqlIdentifier.Quote(update)} ON {definition.Table};
            DROP FUNCTION IF EXISTS {SqlIdentifier.Qualify(definition.StoreObject.Schema, name)}();
            """;
    }
}
