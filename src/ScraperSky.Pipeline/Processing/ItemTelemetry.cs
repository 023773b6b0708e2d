using System.Diagnostics;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>Turns the processing loop's records into the primitives <see cref="WorkflowTelemetry"/> records.</summary>
internal static class ItemTelemetry
{
    /// <summary>Records one item's attempt: its outcome tag, duration and span status.</summary>
    public static void ItemProcessed(this WorkflowTelemetry telemetry, Activity? activity, ItemAttempt attempt, long startTimestamp)
    {
        var outcome = attempt switch
        {
            { Stopped: true } => "stopped",
            { TimedOut: true } or { Abandoned: true } => "timed_out",
            { Failure: not null } => "threw",
            _ => attempt.Result.Kind switch
            {
                ItemResultKind.Completed => "completed",
                ItemResultKind.Failed => "failed",
                ItemResultKind.Retry => "retry",
                _ => "snoozed",
            },
        };
        var failure = attempt.Stopped ? null : attempt.Failure;
        var error = attempt.TimedOut || attempt.Abandoned || attempt.Result.Kind == ItemResultKind.Failed;
        telemetry.ItemProcessed(activity, outcome, failure, attempt.Reason, error, startTimestamp, attempt.Key);
    }

    /// <summary>Counts a batch's outcomes once they are committed.</summary>
    public static void Outcomes(this WorkflowTelemetry telemetry, WorkflowRunResult batch)
        => telemetry.Outcomes(batch.Completed, batch.Failed, batch.Retried, batch.Lost);
}
