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

    /// <summary>Gets the attempt number of this item, starting at 1 (always 1 in atomic-batch mode).</summary>
    public int Attempt { get; }

    internal Func<TimeSpan?, CancellationToken, Task<bool>>? LeaseExtender { get; init; }

    /// <summary>
    /// Extends this item's lease (a heartbeat for long items, lease mode only) to <paramref name="duration"/> from now,
    /// or to the workflow's lease duration. Extend before changing the item's own row.
    /// </summary>
    /// <param name="duration">The new lease length from now; <see langword="null"/> for the workflow's <c>LeaseDuration</c>.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns><see langword="true"/> if the lease was extended; <see langword="false"/> if the claim is no longer this
    /// worker's (the lease expired and was rescued): stop working on the item, its outcome will be refused.</returns>
    /// <exception cref="InvalidOperationException">The workflow does not run in lease mode.</exception>
    public Task<bool> ExtendLeaseAsync(TimeSpan? duration = null, CancellationToken cancellationToken = default)
        => LeaseExtender is { } extend
            ? extend(duration, cancellationToken)
            : throw new InvalidOperationException($"Status workflow '{WorkflowName}' does not run in lease mode; only leases can be extended.");
}
