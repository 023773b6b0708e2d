using Microsoft.EntityFrameworkCore;

namespace ScraperSky.Pipeline;

/// <summary>
/// What a processor knows about the item it is processing: the workflow, the attempt and the database session
/// whose transaction the workflow loop owns.
/// </summary>
public sealed class StatusItemContext
{
    /// <summary>The workflow name (and job id) of a context made by <see cref="ForTest"/> unless the test names one.</summary>
    private const string TestWorkflowName = "test";

    private readonly DbContext? _dbContext;

    internal StatusItemContext(string workflowName, string jobId, DbContext dbContext, int attempt)
        : this(workflowName, jobId, attempt, dbContext)
    {
    }

    private StatusItemContext(string workflowName, string jobId, int attempt, DbContext? dbContext)
    {
        WorkflowName = workflowName;
        JobId = jobId;
        _dbContext = dbContext;
        Attempt = attempt;
    }

    /// <summary>Gets the name the workflow was registered with.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets the scheduler job id of the workflow (such as <c>process_pending_domains</c>).</summary>
    public string JobId { get; }

    /// <summary>
    /// Gets the session (the same instance a processor can inject) whose transaction the loop began. Query and
    /// change entities through it; do not begin, commit or roll back transactions.
    /// </summary>
    /// <exception cref="InvalidOperationException">The context was made by <see cref="ForTest"/> without a session.</exception>
    public DbContext DbContext => _dbContext ?? throw new InvalidOperationException(
        $"This StatusItemContext of workflow '{WorkflowName}' was made by StatusItemContext.ForTest without a DbContext; "
        + "pass one (ForTest(dbContext: …)) to test a processor that uses the database.");

    /// <summary>Gets the attempt number of this item, starting at 1 (always 1 in atomic-batch mode).</summary>
    public int Attempt { get; }

    internal Func<TimeSpan?, CancellationToken, Task<bool>>? LeaseExtender { get; init; }

    /// <summary>
    /// Extends this item's lease (a heartbeat for long items, lease mode only) to <paramref name="duration"/> from now,
    /// or to the workflow's lease duration. Extend before changing the item's own row.
    /// </summary>
    /// <param name="duration">The new lease length from now; <see langword="null"/> for the workflow's <c>Lease:Duration</c>.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns><see langword="true"/> if the lease was extended; <see langword="false"/> if the claim is no longer this
    /// worker's (the lease expired and was rescued): stop working on the item, its outcome will be refused.</returns>
    /// <exception cref="InvalidOperationException">The workflow does not run in lease mode.</exception>
    public Task<bool> ExtendLeaseAsync(TimeSpan? duration = null, CancellationToken cancellationToken = default)
        => LeaseExtender is { } extend
            ? extend(duration, cancellationToken)
            : throw new InvalidOperationException($"Status workflow '{WorkflowName}' does not run in lease mode; only leases can be extended.");

    /// <summary>
    /// Makes a context for a unit test of a processor, the way the workflow loop would for one claimed item, without a
    /// database, host or workflow: <c>await processor.ProcessAsync(item, StatusItemContext.ForTest(), ct)</c>. The
    /// workflow loop makes its own contexts; production code has no use for this.
    /// </summary>
    /// <param name="dbContext">
    /// The session <see cref="DbContext"/> returns; <see langword="null"/> (the default) for a processor that does not use
    /// one, and then reading <see cref="DbContext"/> throws <see cref="InvalidOperationException"/>. No transaction is
    /// begun on it, and nothing saves its changes: the test does what it needs with them.
    /// </param>
    /// <param name="attempt">The item's attempt number, from 1 (the default); a retried item in lease mode has 2 and up.</param>
    /// <param name="extendLease">
    /// What <see cref="ExtendLeaseAsync"/> does, as in lease mode: it receives the requested duration
    /// (<see langword="null"/> for the workflow's) and returns whether the lease is still this worker's, e.g.
    /// <c>(_, _) =&gt; Task.FromResult(false)</c> for a lease that was lost. <see langword="null"/> (the default) behaves as in
    /// atomic-batch mode: <see cref="ExtendLeaseAsync"/> throws <see cref="InvalidOperationException"/>.
    /// </param>
    /// <param name="workflowName">The <see cref="WorkflowName"/>; default <c>test</c>.</param>
    /// <param name="jobId">The <see cref="JobId"/>; <see langword="null"/> (the default) for <paramref name="workflowName"/>,
    /// as the workflow loop does unless <see cref="StatusWorkflowScheduleOptions.JobId"/> is set.</param>
    /// <returns>The context.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is less than 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="workflowName"/> or <paramref name="jobId"/> is empty or white space.</exception>
    public static StatusItemContext ForTest(
        DbContext? dbContext = null,
        int attempt = 1,
        Func<TimeSpan?, CancellationToken, Task<bool>>? extendLease = null,
        string workflowName = TestWorkflowName,
        string? jobId = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowName);
        if (jobId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        }

        return new StatusItemContext(workflowName, jobId ?? workflowName, attempt, dbContext) { LeaseExtender = extendLease };
    }
}
