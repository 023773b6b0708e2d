using System.Diagnostics;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>
/// One workflow's view of its container's <see cref="PipelineTelemetry"/>: spans per claim, item and outcome write, tagged with the
/// workflow, job id, batch size and item id; counters and histograms tagged with the workflow only.
/// </summary>
internal sealed class WorkflowTelemetry(PipelineTelemetry telemetry, string workflow)
{
    private readonly KeyValuePair<string, object?> _workflowTag = PipelineTelemetry.Workflow(workflow);

    public Activity? StartClaim(string jobId, int batchSize)
    {
        var activity = PipelineTelemetry.Source.StartActivity("scrapersky.pipeline.claim", ActivityKind.Internal);
        activity?.SetTag(PipelineDiagnostics.WorkflowTag, workflow);
        activity?.SetTag(PipelineDiagnostics.JobIdTag, jobId);
        activity?.SetTag(PipelineDiagnostics.BatchSizeTag, batchSize);
        return activity;
    }

    public void Claimed(Activity? activity, int count, long startTimestamp)
    {
        activity?.SetTag(PipelineDiagnostics.ItemCountTag, count);
        telemetry.ClaimDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _workflowTag);
        if (count > 0)
        {
            telemetry.Claimed.Add(count, _workflowTag);
        }
    }

    /// <summary>Records, for each claimed item whose queued time is known, how long it waited in the queue.</summary>
    public void QueueLag<TEntity>(IReadOnlyList<TEntity> items, Func<TEntity, DateTimeOffset?>? queuedAt, DateTimeOffset now)
    {
        if (queuedAt is null || !telemetry.QueueLag.Enabled)
        {
            return;
        }

        foreach (var item in items)
        {
            if (queuedAt(item) is { } queued && now >= queued)
            {
                telemetry.QueueLag.Record((now - queued).TotalSeconds, _workflowTag);
            }
        }
    }

    public Activity? StartItem(string jobId, object? key)
    {
        var activity = PipelineTelemetry.Source.StartActivity("scrapersky.pipeline.process", ActivityKind.Internal);
        activity?.SetTag(PipelineDiagnostics.WorkflowTag, workflow);
        activity?.SetTag(PipelineDiagnostics.JobIdTag, jobId);
        activity?.SetTag(PipelineDiagnostics.ItemIdTag, key?.ToString());
        return activity;
    }

    public void ItemProcessed(Activity? activity, ItemAttempt attempt, long startTimestamp)
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
        telemetry.ProcessingDuration.Record(
            Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds,
            _workflowTag,
            new KeyValuePair<string, object?>(PipelineDiagnostics.OutcomeTag, outcome));
        if (activity is null)
        {
            return;
        }

        activity.SetTag(PipelineDiagnostics.OutcomeTag, outcome);
        if (attempt.Failure is { } failure && !attempt.Stopped)
        {
            PipelineTelemetry.RecordError(activity, failure);
        }
        else if (attempt.TimedOut || attempt.Abandoned || attempt.Result.Kind == ItemResultKind.Failed)
        {
            activity.SetStatus(ActivityStatusCode.Error, attempt.Reason);
        }
    }

    public Activity? StartOutcomes(int count)
    {
        var activity = PipelineTelemetry.Source.StartActivity("scrapersky.pipeline.outcomes", ActivityKind.Internal);
        activity?.SetTag(PipelineDiagnostics.WorkflowTag, workflow);
        activity?.SetTag(PipelineDiagnostics.ItemCountTag, count);
        return activity;
    }

    /// <summary>Counts a batch's outcomes once they are committed.</summary>
    public void Outcomes(WorkflowRunResult batch)
    {
        Add(telemetry.Completed, batch.Completed);
        Add(telemetry.Failed, batch.Failed);
        Add(telemetry.Retried, batch.Retried);
        Add(telemetry.Lost, batch.Lost);
    }

    public void Rescued(int count) => Add(telemetry.Rescued, count);

    private void Add(System.Diagnostics.Metrics.Counter<long> counter, int value)
    {
        if (value > 0)
        {
            counter.Add(value, _workflowTag);
        }
    }
}
