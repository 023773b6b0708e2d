namespace ScraperSky.Pipeline;

/// <summary>The result of one scheduled (or manual) run of a job, as reported by the scheduler's events.</summary>
public sealed class JobRunResult
{
    private static readonly IReadOnlyDictionary<string, int> NoWorkflows = new Dictionary<string, int>(StringComparer.Ordinal);

    internal JobRunResult(string jobId, JobRunOutcome outcome, DateTimeOffset scheduledTime, DateTimeOffset startTime, TimeSpan duration, int items, Exception? exception, string? skipReason = null, IReadOnlyDictionary<string, int>? itemsByWorkflow = null)
    {
        SkipReason = skipReason;
        ItemsByWorkflow = itemsByWorkflow ?? NoWorkflows;
        JobId = jobId;
        Outcome = outcome;
        ScheduledTime = scheduledTime;
        StartTime = startTime;
        Duration = duration;
        ItemsProcessed = items;
        Exception = exception;
    }

    /// <summary>Gets the job's id.</summary>
    public string JobId { get; }

    /// <summary>Gets how the run ended.</summary>
    public JobRunOutcome Outcome { get; }

    /// <summary>Gets the time the run was scheduled for.</summary>
    public DateTimeOffset ScheduledTime { get; }

    /// <summary>Gets the time the run started, or for a missed or skipped run the time the scheduler decided not to start it.</summary>
    public DateTimeOffset StartTime { get; }

    /// <summary>Gets how long the run took; zero for a missed or skipped run.</summary>
    public TimeSpan Duration { get; }

    /// <summary>
    /// Gets the number of items the run reported: the value an <see cref="IScheduledJob"/> returned, or for a status
    /// workflow the rows it claimed (whatever their outcome).
    /// </summary>
    public int ItemsProcessed { get; }

    /// <summary>
    /// Gets the items of the run per status workflow, keyed by workflow name: one entry for a status workflow's job, one
    /// per member that ran for a workflow group's job (<c>AddStatusWorkflowGroup</c>; in a failed group run, the members
    /// that finished), empty for other jobs.
    /// </summary>
    public IReadOnlyDictionary<string, int> ItemsByWorkflow { get; }

    /// <summary>Gets the exception of a failed run, or <see langword="null"/>.</summary>
    public Exception? Exception { get; }

    /// <summary>
    /// Gets why a skipped run did not start when the cluster decided it (another host ran the scheduled time of a
    /// once-per-cluster job, or every slot of <see cref="StatusWorkflowScheduleOptions.MaxHostsAtOnce"/> was taken), or
    /// <see langword="null"/> (every other run, and a run skipped because the job had its local maximum of instances running).
    /// </summary>
    public string? SkipReason { get; }

    /// <inheritdoc />
    public override string ToString() => Outcome switch
    {
        JobRunOutcome.Skipped when SkipReason is not null => $"{JobId}: Skipped (scheduled {ScheduledTime:O}: {SkipReason})",
        JobRunOutcome.Succeeded => $"{JobId}: Succeeded, {ItemsProcessed} items in {Duration.TotalMilliseconds:0} ms",
        JobRunOutcome.Failed => $"{JobId}: Failed ({Exception?.GetType().Name}: {Exception?.Message})",
        _ => $"{JobId}: {Outcome} (scheduled {ScheduledTime:O})",
    };
}
