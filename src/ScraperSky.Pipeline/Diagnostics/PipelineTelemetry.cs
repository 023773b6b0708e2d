using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>
/// The library's meter and activity source, and the instruments every piece records into. Instruments are tagged
/// with the workflow name only (a bounded set), never with item keys.
/// </summary>
internal static class PipelineTelemetry
{
    public static readonly ActivitySource Source = new(PipelineDiagnostics.ActivitySourceName, typeof(PipelineTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly Meter Meter = new(PipelineDiagnostics.MeterName, typeof(PipelineTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> Claimed = Meter.CreateCounter<long>("scrapersky.pipeline.items.claimed", "{item}", "Items claimed.");

    public static readonly Counter<long> Completed = Meter.CreateCounter<long>("scrapersky.pipeline.items.completed", "{item}", "Items that ended completed.");

    public static readonly Counter<long> Failed = Meter.CreateCounter<long>("scrapersky.pipeline.items.failed", "{item}", "Items that ended as error.");

    public static readonly Counter<long> Retried = Meter.CreateCounter<long>("scrapersky.pipeline.items.retried", "{item}", "Items queued again for a later attempt (retry or snooze).");

    public static readonly Counter<long> Rescued = Meter.CreateCounter<long>("scrapersky.pipeline.items.rescued", "{item}", "Expired leases returned to the queue or ended as error by the rescuer.");

    public static readonly Counter<long> Lost = Meter.CreateCounter<long>("scrapersky.pipeline.items.lost", "{item}", "Outcomes refused because the item's lease had been rescued meanwhile.");

    public static readonly Histogram<double> ClaimDuration = Meter.CreateHistogram<double>("scrapersky.pipeline.claim.duration", "s", "Time to claim one batch.");

    public static readonly Histogram<double> ProcessingDuration = Meter.CreateHistogram<double>("scrapersky.pipeline.item.duration", "s", "Time one processor call took.");

    public static readonly Histogram<double> QueueLag = Meter.CreateHistogram<double>("scrapersky.pipeline.queue.lag", "s", "Time from a row's last update (when it was queued) to its claim; needs the UpdatedAt column.");

    public static readonly Counter<long> SchedulerRuns = Meter.CreateCounter<long>("scrapersky.pipeline.scheduler.runs", "{run}", "Scheduled job runs that executed.");

    public static readonly Counter<long> SchedulerMisses = Meter.CreateCounter<long>("scrapersky.pipeline.scheduler.missed", "{run}", "Scheduled job runs skipped because they were later than the misfire grace time.");

    public static readonly Counter<long> SchedulerSkips = Meter.CreateCounter<long>("scrapersky.pipeline.scheduler.skipped", "{run}", "Scheduled job runs lost because the job already ran max-instances times (a run asked for now, or a due run of a job that does not coalesce).");

    public static readonly Counter<long> SchedulerAbsorbed = Meter.CreateCounter<long>("scrapersky.pipeline.scheduler.absorbed", "{run}", "Due runs of a coalescing job that fell inside its own run still in progress, which stands in for them (a long drain); no run is lost.");

    private static readonly ConcurrentDictionary<string, QueueDepthSource> QueueDepthSources = new(StringComparer.Ordinal);

    static PipelineTelemetry()
    {
        Meter.CreateObservableGauge(
            "scrapersky.pipeline.queue.depth",
            ObserveQueueDepths,
            "{item}",
            "Rows with the workflow's queued status; a cached count refreshed at most once per workflow interval, and only while observed.");
    }

    /// <summary>The tag list holding only the workflow name.</summary>
    public static KeyValuePair<string, object?> Workflow(string name) => new(PipelineDiagnostics.WorkflowTag, name);

    /// <summary>Registers the queue-depth source of a workflow (replacing an earlier one of the same name).</summary>
    public static void RegisterQueueDepth(string workflow, QueueDepthSource source) => QueueDepthSources[workflow] = source;

    /// <summary>Removes a workflow's queue-depth source (its host stopped).</summary>
    public static void UnregisterQueueDepth(string workflow, QueueDepthSource source) => QueueDepthSources.TryRemove(new KeyValuePair<string, QueueDepthSource>(workflow, source));

    public static void RecordError(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.AddException(exception);
    }

    private static IEnumerable<Measurement<long>> ObserveQueueDepths()
    {
        foreach (var (workflow, source) in QueueDepthSources)
        {
            if (source.Observe() is { } depth)
            {
                yield return new Measurement<long>(depth, Workflow(workflow));
            }
        }
    }
}
