using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.WakeUp;

namespace ScraperSky.Pipeline;

/// <summary>
/// The SQL a workflow asks of its table, for your migrations: the wake-up trigger and the recommended indexes.
/// Resolve it from the service provider; it resolves workflows from the EF Core model without touching the database.
/// </summary>
public sealed class StatusWorkflowScripts
{
    private readonly IReadOnlyDictionary<string, StatusWorkflow> _workflows;

    internal StatusWorkflowScripts(IEnumerable<StatusWorkflow> workflows)
        => _workflows = workflows.ToDictionary(w => w.Name, StringComparer.Ordinal);

    /// <summary>Returns the idempotent DDL that installs the workflow's wake-up trigger (a function and two triggers).</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The DDL.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public string WakeUpTrigger(string workflowName) => WakeUpSql.TriggerDdl(Resolve(workflowName).Definition);

    /// <summary>Returns the notification channel the workflow's trigger sends on.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>The channel name.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public string WakeUpChannel(string workflowName) => WakeUpSql.Channel(Resolve(workflowName).Name);

    /// <summary>Returns the partial index that serves the workflow's claim.</summary>
    /// <param name="workflowName">The workflow's name.</param>
    /// <returns>A <c>CREATE INDEX CONCURRENTLY</c> statement.</returns>
    /// <exception cref="ArgumentException">No workflow has that name.</exception>
    public string ClaimIndex(string workflowName) => new Claiming.WorkflowSql(Resolve(workflowName).Definition).PartialIndex;

    private StatusWorkflow Resolve(string workflowName)
    {
        if (!_workflows.TryGetValue(workflowName, out var workflow))
        {
            throw new ArgumentException($"No status workflow named '{workflowName}' is registered.", nameof(workflowName));
        }

        workflow.Resolve();
        return workflow;
    }
}
