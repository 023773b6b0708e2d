using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.WakeUp;

namespace ScraperSky.Pipeline;

/// <summary>
/// The SQL a workflow asks of its table, for your migrations: the claim index, the rescuer's index, the wake-up
/// trigger and its removal — each named and idempotent, with the ones that must run outside a transaction marked.
/// Resolve it from the service provider; it resolves workflows from the EF Core model without touching the database.
/// </summary>
public sealed class StatusWorkflowScripts
{
    private readonly IReadOnlyDictionary<string, StatusWorkflow> _workflows;
    private readonly string _clusterSchema;

    internal StatusWorkflowScripts(IEnumerable<StatusWorkflow> workflows, string? clusterSchema = null)
    {
        _workflows = workflows.ToDictionary(w => w.Name, StringComparer.Ordinal);
        _clusterSchema = clusterSchema ?? Claiming.ClusterSql.DefaultSchema;
    }

    /// <summary>
    /// Returns every script the workflow needs, in the order to run them: claim index, rescuer's index (lease columns
    /// only), wake-up trigger, queued-at trigger (updated-at column only).
    /// </summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The scripts.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public IReadOnlyList<StatusWorkflowScript> All(string workflowName)
    {
        List<StatusWorkflowScript?> scripts = [ClaimIndex(workflowName), RescueIndex(workflowName), WakeUpTrigger(workflowName), QueuedAtTrigger(workflowName)];
        return [.. scripts.OfType<StatusWorkflowScript>()];
    }

    /// <summary>Returns the partial index that serves the workflow's claim (<c>CREATE INDEX CONCURRENTLY IF NOT EXISTS</c>; no transaction).</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public StatusWorkflowScript ClaimIndex(string workflowName)
    {
        var sql = new Claiming.WorkflowSql(Resolve(workflowName).Definition);
        return new StatusWorkflowScript(sql.ClaimIndexName, sql.PartialIndex, requiresNoTransaction: true);
    }

    /// <summary>Returns the index that serves the lease rescuer (<c>CREATE INDEX CONCURRENTLY IF NOT EXISTS</c>; no transaction), or null without lease columns.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The script, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public StatusWorkflowScript? RescueIndex(string workflowName)
    {
        var sql = new Claiming.WorkflowSql(Resolve(workflowName).Definition);
        return sql.RescueIndex is { } index ? new StatusWorkflowScript(sql.RescueIndexName!, index, requiresNoTransaction: true) : null;
    }

    /// <summary>Returns the DDL that installs (or replaces) the workflow's wake-up trigger: a function and two triggers.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public StatusWorkflowScript WakeUpTrigger(string workflowName)
    {
        var definition = Resolve(workflowName).Definition;
        return new StatusWorkflowScript(WakeUpSql.TriggerNames(definition.Name).Function, WakeUpSql.TriggerDdl(definition), requiresNoTransaction: false);
    }

    /// <summary>Returns the DDL that removes the workflow's wake-up trigger and its function (before renaming or removing the workflow).</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public StatusWorkflowScript RemoveWakeUpTrigger(string workflowName)
    {
        var definition = Resolve(workflowName).Definition;
        return new StatusWorkflowScript(WakeUpSql.TriggerNames(definition.Name).Function, WakeUpSql.RemoveTriggerDdl(definition), requiresNoTransaction: false);
    }

    /// <summary>
    /// Returns the DDL of the library's own cluster schema (run keys, slot leases, host heartbeats, pause flags and a
    /// version row), named after the schema <c>AddPipelineCluster</c> configured (<c>scrapersky_pipeline</c> by default):
    /// idempotent, in one transaction. Run it from a migration when the application's role cannot create schemas and
    /// the cluster's <c>ApplySchema</c> option is off.
    /// </summary>
    /// <returns>The script.</returns>
    public StatusWorkflowScript ClusterSchema()
        => new(_clusterSchema, new Claiming.ClusterSql(_clusterSchema).Ddl, requiresNoTransaction: false);

    /// <summary>
    /// Returns the DDL that installs (or replaces) the workflow's queued-at trigger, or null without an updated-at column:
    /// when a writer outside the library makes a row's status the queued value and leaves updated-at alone, the trigger
    /// sets updated-at to <c>now()</c>, so that the queue lag counts from then.
    /// </summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The script, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public StatusWorkflowScript? QueuedAtTrigger(string workflowName)
    {
        var definition = Resolve(workflowName).Definition;
        return Claiming.QueuedAtSql.TriggerDdl(definition) is { } ddl
            ? new StatusWorkflowScript(Claiming.QueuedAtSql.Names(definition.Name).Function, ddl, requiresNoTransaction: false)
            : null;
    }

    /// <summary>Returns the DDL that removes the workflow's queued-at trigger and its function (idempotent; also after the updated-at column was unmapped).</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public StatusWorkflowScript RemoveQueuedAtTrigger(string workflowName)
    {
        var definition = Resolve(workflowName).Definition;
        return new StatusWorkflowScript(Claiming.QueuedAtSql.Names(definition.Name).Function, Claiming.QueuedAtSql.RemoveTriggerDdl(definition), requiresNoTransaction: false);
    }

    /// <summary>Returns the notification channel the workflow's trigger sends on.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The channel name.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public string WakeUpChannel(string workflowName) => WakeUpSql.Channel(Resolve(workflowName).Name);

    private StatusWorkflow Resolve(string workflowName)
    {
        ArgumentNullException.ThrowIfNull(workflowName);
        if (!_workflows.TryGetValue(workflowName, out var workflow))
        {
            throw new ArgumentException($"No status workflow named '{workflowName}' is registered. Registered: {string.Join(", ", _workflows.Keys.Select(k => "'" + k + "'"))}.", nameof(workflowName));
        }

        workflow.Resolve();
        return workflow;
    }
}
