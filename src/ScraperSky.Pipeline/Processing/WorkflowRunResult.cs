namespace ScraperSky.Pipeline.Processing;

/// <summary>What one run (or batch) of a workflow's loop did: batches claimed and items by outcome.</summary>
/// <param name="Batches">Claims made (an empty claim counts).</param>
/// <param name="Claimed">Items claimed.</param>
/// <param name="Completed">Items that ended completed.</param>
/// <param name="Failed">Items that ended as error.</param>
internal readonly record struct WorkflowRunResult(int Batches, int Claimed, int Completed, int Failed)
{
    /// <summary>Gets the items queued again for a later attempt (retry or snooze).</summary>
    public int Retried { get; init; }

    /// <summary>Gets the items whose outcome was refused because their lease had been rescued meanwhile.</summary>
    public int Lost { get; init; }

    /// <summary>Gets the expired leases returned to the queue by the rescuer during the run.</summary>
    public int Rescued { get; init; }

    /// <summary>Gets when (host time) the rows this run retried or snoozed become claimable, if any (rounded up to 50 ms).</summary>
    public IReadOnlyCollection<DateTimeOffset>? DueTimes { get; init; }

    /// <summary>Gets whether the run stopped at <c>Batch:MaxPerRun</c> with a full last batch, so rows are probably still queued.</summary>
    public bool StoppedAtBatchLimit { get; init; }

    public static WorkflowRunResult operator +(WorkflowRunResult a, WorkflowRunResult b)
        => new(a.Batches + b.Batches, a.Claimed + b.Claimed, a.Completed + b.Completed, a.Failed + b.Failed)
        {
            Retried = a.Retried + b.Retried,
            Lost = a.Lost + b.Lost,
            Rescued = a.Rescued + b.Rescued,
            DueTimes = a.DueTimes is { } x && b.DueTimes is { } y ? [.. x, .. y] : a.DueTimes ?? b.DueTimes,
            StoppedAtBatchLimit = a.StoppedAtBatchLimit || b.StoppedAtBatchLimit,
        };
}

/// <summary>One batch's result, and whether the loop should claim again regardless of how many rows it got.</summary>
/// <param name="Outcome">What the batch did.</param>
/// <param name="ClaimAgain">Claim again at once (the batch was rolled back and its rows are claimable).</param>
/// <param name="EndRun">End the run after this batch (rows left claimable at once would make it spin).</param>
internal readonly record struct BatchResult(WorkflowRunResult Outcome, bool ClaimAgain, bool EndRun = false)
{
    /// <summary>Gets whether a processor was abandoned on the batch's session, which must not be disposed under it yet.</summary>
    public bool SessionAbandoned { get; init; }

    public static BatchResult Empty => new(new WorkflowRunResult(1, 0, 0, 0), ClaimAgain: false);
}
