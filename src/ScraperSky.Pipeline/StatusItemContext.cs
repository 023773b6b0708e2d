using Microsoft.EntityFrameworkCore;

namespace ScraperSky.Pipeline;

/// <summary>
/// What a processor knows about the item it is processing: the workflow, the attempt and the database session
/// whose transaction the workflow loop owns.
/// </summary>
public sealed class StatusItemContext
{
    internal StatusItemContext(string workflowName, string jobId, DbContext dbContext, int attempt)
    {
        WorkflowName = workflowName;
        JobId = jobId;
        DbContext = dbContext;
        Attempt = attempt;
    }

    /// <summary>Gets the name the workflow was registered with.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets the scheduler job id of the workflow (the seeds' job id, such as <c>process_pending_domains</c>).</summary>
    public string JobId { get; }

    /// <summary>
    /// Gets the session (the same instance a processor can inject) whose transaction the loop began. Query and
    /// change entities through it; do not begin, commit or roll back transactions.
    /// </summary>
    public DbContext DbContext { get; }

    /// <summary>Gets the attempt number of this item, starting at 1.</summary>
    public int Attempt { get; }
}
