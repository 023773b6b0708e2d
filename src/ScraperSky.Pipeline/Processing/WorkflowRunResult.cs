namespace ScraperSky.Pipeline.Processing;

/// <summary>What one run of a workflow's loop did: batches claimed and items by outcome.</summary>
internal readonly record struct WorkflowRunResult(int Batches, int Claimed, int Completed, int Failed)
{
    public static WorkflowRunResult operator +(WorkflowRunResult a, WorkflowRunResult b)
        => new(a.Batches + b.Batches, a.Claimed + b.Claimed, a.Completed + b.Completed, a.Failed + b.Failed);
}
