using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.WakeUp;

/// <summary>
/// The wake-up trigger of a workflow: a notification on the workflow's channel whenever a row's status becomes the
/// queued value, by INSERT or UPDATE, from any writer. The payload is empty: PostgreSQL delivers identical
/// notifications of one transaction once, so a bulk update that queues 10,000 rows sends one.
/// </summary>
/// <remarks>
/// Names are the workflow's name, lower case, with every character other than a letter or digit as <c>_</c>. When that
/// folds the name (<c>exp.jobs</c>, <c>Foo</c>) or cuts it to PostgreSQL's 63 bytes, a hash of the exact name follows,
/// so that <c>exp.jobs</c> and <c>exp_jobs</c>, or two long names that share their first 52 characters, never share a
/// channel or a trigger function.
/// </remarks>
internal static class WakeUpSql
{
    private const int MaxIdentifierLength = 63;
    private const string ChannelPrefix = "scrapersky_";
    private const string FunctionPrefix = "scrapersky_wake_";

    /// <summary>The notification channel of a workflow: <c>scrapersky_&lt;name&gt;</c>, at most 63 bytes, unique per workflow name.</summary>
    public static string Channel(string workflowName) => Name(ChannelPrefix, workflowName, string.Empty);

    /// <summary>The names of a workflow's trigger function (unqualified) and of its two triggers.</summary>
    public static (string Function, string InsertTrigger, string UpdateTrigger) TriggerNames(string workflowName)
        => (Name(FunctionPrefix, workflowName, string.Empty), Name(FunctionPrefix, workflowName, "_ins"), Name(FunctionPrefix, workflowName, "_upd"));

    /// <summary>The trigger function's body: what <c>pg_proc.prosrc</c> holds when the current version is installed.</summary>
    public static string FunctionBody(string workflowName) => $"""

        BEGIN
            PERFORM pg_notify('{Channel(workflowName)}', '');
            RETURN NULL;
        END

        """;

    /// <summary>The schema-qualified, quoted trigger function of a workflow.</summary>
    public static string Function(WorkflowDefinition definition) => SqlIdentifier.Qualify(definition.StoreObject.Schema, TriggerNames(definition.Name).Function);

    /// <summary>The DDL that installs (or replaces) the workflow's trigger; idempotent, for a migration or for start-up.</summary>
    public static string TriggerDdl(WorkflowDefinition definition)
    {
        var (_, insert, update) = TriggerNames(definition.Name);
        var function = Function(definition);
        var insertTrigger = SqlIdentifier.Quote(insert);
        var updateTrigger = SqlIdentifier.Quote(update);
        var status = definition.StatusColumn;
        var queued = definition.Literals.Queued;
        return $"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $scrapersky${FunctionBody(definition.Name)}$scrapersky$;
            DROP TRIGGER IF EXISTS {insertTrigger} ON {definition.Table};
            CREATE TRIGGER {insertTrigger} AFTER INSERT ON {definition.Table}
                FOR EACH ROW WHEN (NEW.{status} = {queued}) EXECUTE FUNCTION {function}();
            DROP TRIGGER IF EXISTS {updateTrigger} ON {definition.Table};
            CREATE TRIGGER {updateTrigger} AFTER UPDATE OF {status} ON {definition.Table}
                FOR EACH ROW WHEN (NEW.{status} = {queued} AND OLD.{status} IS DISTINCT FROM NEW.{status}) EXECUTE FUNCTION {function}();
            """;
    }

    /// <summary>The DDL that removes the workflow's trigger and its function; idempotent, for a migration.</summary>
    public static string RemoveTriggerDdl(WorkflowDefinition definition)
    {
        var (_, insert, update) = TriggerNames(definition.Name);
        return $"""
            DROP TRIGGER IF EXISTS {SqlIdentifier.Quote(insert)} ON {definition.Table};
            DROP TRIGGER IF EXISTS {SqlIdentifier.Quote(update)} ON {definition.Table};
            DROP FUNCTION IF EXISTS {Function(definition)}();
            """;
    }

    /// <summary>
    /// Reads the library's wake-up trigger functions that have triggers on a table (parameter <c>@table</c>): the
    /// function's schema and name, and the names of its triggers there.
    /// </summary>
    public const string TriggersOnTable = """
        SELECT n.nspname, p.proname, string_agg(t.tgname, ',' ORDER BY t.tgname)
          FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE t.tgrelid = to_regclass(@table) AND NOT t.tgisinternal AND p.proname LIKE 'scrapersky\_wake\_%'
         GROUP BY 1, 2
        """;

    /// <summary>
    /// Reads what is installed: the trigger function's body (NULL when missing) and how many of the workflow's two
    /// triggers call it, enabled, on its table. Parameters: <c>@function</c>, <c>@table</c>, <c>@insert</c>, <c>@update</c>.
    /// </summary>
    public const string InstalledTrigger = """
        SELECT (SELECT p.prosrc FROM pg_proc p WHERE p.oid = to_regprocedure(@function || '()')),
               (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = to_regclass(@table) AND t.tgname IN (@insert, @update)
                   AND t.tgfoid = to_regprocedure(@function || '()') AND t.tgenabled <> 'D')
        """;

    /// <summary>Throws <see cref="InvalidOperationException"/> naming both workflows when two of them would share a channel or a trigger function.</summary>
    public static void EnsureDistinct(IEnumerable<string> workflowNames)
    {
        var channels = new Dictionary<string, string>(StringComparer.Ordinal);
        var functions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in workflowNames.Distinct(StringComparer.Ordinal))
        {
            Reserve(channels, Channel(name), name, "wake-up channel");
            Reserve(functions, TriggerNames(name).Function, name, "wake-up trigger function");
        }

        static void Reserve(Dictionary<string, string> taken, string key, string workflow, string what)
        {
            if (!taken.TryAdd(key, workflow))
            {
                throw new InvalidOperationException($"Status workflows '{taken[key]}' and '{workflow}' would share the {what} '{key}'; rename one of them.");
            }
        }
    }

    private static string Name(string prefix, string workflowName, string suffix) => SqlIdentifier.Bounded(prefix, workflowName, suffix);
}
