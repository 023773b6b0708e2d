using System.Diagnostics;

namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>
/// One workflow's view of its container's <see cref="PipelineTelemetry"/>: spans per claim, item and outcome write, tagged with the
/// workflow, job id, batch size and item id; counters and histograms tagged with the workflow only. The same
/// records also go to the workflow's activity sink when one observes it (the history rollup).
/// </summary>
internal sealed class WorkflowTelemetry(PipelineTelemetry telemetry, string workflow)
{
    private readonly KeyValuePair<string, object?> _workflowTag = PipelineTelemetry.Workflow(workflow);
    private readonly IWorkflowActivitySink? _sink = telemetry.Observer?.Observe(workflow);

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
        var metered = telemetry.QueueLag.Enabled;
        if (queuedAt is null || (!metered && _sink is null))
        {
            return;
        }

        foreach (var item in items)
        {
            if (queuedAt(item) is { } queued && now >= queued)
            {
                if (metered)
                {
                    telemetry.QueueLag.Record((now - queued).TotalSeconds, _workflowTag);
                }

                _sink?.Waited(now - queued);
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

    /// <summary>Records one item's processing time under its outcome and closes its span.</summary>
    /// <param name="activity">The item's span, if sampled.</param>
    /// <param name="outcome">The outcome tag: completed, failed, retry, snoozed, threw, timed_out or stopped.</param>
    /// <param name="failure">What the processor threw, recorded on the span.</param>
    /// <param name="errorDescription">The span's error description when <paramref name="error"/> is set and nothing was thrown.</param>
    /// <param name="error">Marks the span as an error though nothing was thrown (a timeout, a failed result).</param>
    /// <param name="startTimestamp">When processing began (<see cref="Stopwatch.GetTimestamp"/>).</param>
    /// <param name="key">The item's key, for the activity sink's failure samples.</param>
    public void ItemProcessed(Activity? activity, string outcome, Exception? failure, string? errorDescription, bool error, long startTimestamp, object? key = null)
    {
        var elapsed = Stopwatch.GetElapsedTime(startTimestamp);
        _sink?.Processed(elapsed, outcome, errorDescription, key);
        telemetry.ProcessingDuration.Record(
            elapsed.TotalSeconds,
            _workflowTag,
            new KeyValuePair<string, object?>(PipelineDiagnostics.OutcomeTag, outcome));
        if (activity is null)
        {
            return;
        }

        activity.SetTag(PipelineDiagnostics.OutcomeTag, outcome);
        if (failure is not null)
        {
            PipelineTelemetry.RecordError(activity, failure);
        }
        else if (error)
        {
            activity.SetStatus(ActivityStatusCode.Error, errorDescription);
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
    public void Outcomes(int completed, int failed, int retried, int lost)
    {
        Add(telemetry.Completed, completed);
        Add(telemetry.Failed, failed);
        Add(telemetry.Retried, retried);
        Add(telemetry.Lost, lost);
        if (completed + failed + retried > 0)
        {
            _sink?.Outcomes(completed, failed, retried);
        }
    }

    public void Rescued(int count)
    {
        Add(telemetry.Rescued, count);
        if (count > 0)
        {
            _sink?.Rescued(count);
        }
    }

    private void Add(System.Diagnostics.Metrics.Counter<long> counter, int value)
    {
        if (value > 0)
        {
            counter.Add(value, _workflowTag);
        }
    }
}
