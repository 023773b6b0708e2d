using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>
/// The library's meter and the instruments every piece records into, one instance per service provider (a singleton
/// of the container): its <see cref="System.Diagnostics.Metrics.Meter"/> comes from that container's
/// <see cref="IMeterFactory"/>, and its queue-depth gauge reads the workflows registered with this instance only — so
/// two hosts in one process each report their own workflows, even when the names are the same, and disposing one
/// host (whose factory disposes its meter) leaves the other's instruments alone. Instruments are tagged with the
/// workflow name only (a bounded set), never with item keys.
/// </summary>
internal sealed class PipelineTelemetry
{
    /// <summary>
    /// The library's activity source. Unlike the meter it stays static: an <see cref="ActivitySource"/> is
    /// process-wide by design in .NET (listeners subscribe through the static <see cref="ActivitySource.AddActivityListener"/>
    /// and there is no factory for it), and spans carry the workflow tag to tell hosts apart.
    /// </summary>
    public static readonly ActivitySource Source = new(PipelineDiagnostics.ActivitySourceName, Version);

    private readonly ConcurrentDictionary<string, QueueDepthSource> _queueDepthSources = new(StringComparer.Ordinal);

    /// <summary>Creates the instruments on a meter of <paramref name="meters"/> (the container's factory, which owns and disposes it).</summary>
    /// <param name="meters">The container's meter factory.</param>
    /// <param name="observer">What also receives each workflow's activity (the history rollup), when registered.</param>
    public PipelineTelemetry(IMeterFactory meters, IWorkflowActivityObserver? observer = null)
        : this((meters ?? throw new ArgumentNullException(nameof(meters))).Create(new MeterOptions(PipelineDiagnostics.MeterName) { Version = Version }))
        => Observer = observer;

    private PipelineTelemetry(Meter meter)
    {
        Meter = meter;
        Claimed = meter.CreateCounter<long>("scrapersky.pipeline.items.claimed", "{item}", "Items claimed.");
        Completed = meter.CreateCounter<long>("scrapersky.pipeline.items.completed", "{item}", "Items that ended completed.");
        Failed = meter.CreateCounter<long>("scrapersky.pipeline.items.failed", "{item}", "Items that ended as error.");
        Retried = meter.CreateCounter<long>("scrapersky.pipeline.items.retried", "{item}", "Items queued again for a later attempt (retry or snooze).");
        Rescued = meter.CreateCounter<long>("scrapersky.pipeline.items.rescued", "{item}", "Expired leases returned to the queue or ended as error by the rescuer.");
        Lost = meter.CreateCounter<long>("scrapersky.pipeline.items.lost", "{item}", "Outcomes refused because the item's lease had been rescued meanwhile.");
        ClaimDuration = meter.CreateHistogram<double>("scrapersky.pipeline.claim.duration", "s", "Time to claim one batch.");
        ProcessingDuration = meter.CreateHistogram<double>("scrapersky.pipeline.item.duration", "s", "Time one processor call took.");
        QueueLag = meter.CreateHistogram<double>("scrapersky.pipeline.queue.lag", "s", "Time from a row's last update (when it was queued) to its claim; needs the UpdatedAt column.");
        SchedulerRuns = meter.CreateCounter<long>("scrapersky.pipeline.scheduler.runs", "{run}", "Scheduled job runs that executed.");
        SchedulerMisses = meter.CreateCounter<long>("scrapersky.pipeline.scheduler.missed", "{run}", "Scheduled job runs skipped because they were later than the misfire grace time.");
        SchedulerSkips = meter.CreateCounter<long>("scrapersky.pipeline.scheduler.skipped", "{run}", "Scheduled job runs lost because the job already ran max-instances times (a run asked for now, or a due run of a job that does not coalesce).");
        SchedulerAbsorbed = meter.CreateCounter<long>("scrapersky.pipeline.scheduler.absorbed", "{run}", "Due runs of a coalescing job that fell inside its own run still in progress, which stands in for them (a long drain); no run is lost.");
        meter.CreateObservableGauge(
            "scrapersky.pipeline.queue.depth",
            ObserveQueueDepths,
            "{item}",
            "Rows with the workflow's queued status; a cached count refreshed at most once per workflow interval, and only while observed.");
    }

    /// <summary>Gets the meter the instruments live on.</summary>
    public Meter Meter { get; }

    /// <summary>Gets what also receives each workflow's activity, if anything does.</summary>
    public IWorkflowActivityObserver? Observer { get; }

    public Counter<long> Claimed { get; }

    public Counter<long> Completed { get; }

    public Counter<long> Failed { get; }

    public Counter<long> Retried { get; }

    public Counter<long> Rescued { get; }

    public Counter<long> Lost { get; }

    public Histogram<double> ClaimDuration { get; }

    public Histogram<double> ProcessingDuration { get; }

    public Histogram<double> QueueLag { get; }

    public Counter<long> SchedulerRuns { get; }

    public Counter<long> SchedulerMisses { get; }

    public Counter<long> SchedulerSkips { get; }

    public Counter<long> SchedulerAbsorbed { get; }

    private static string? Version => typeof(PipelineTelemetry).Assembly.GetName().Version?.ToString();

    /// <summary>
    /// Creates telemetry on a meter of its own, for a part built outside a container (tests and benchmarks that
    /// construct the scheduler or a loop directly). The caller owns the returned meter's lifetime.
    /// </summary>
    public static PipelineTelemetry Standalone() => new(new Meter(PipelineDiagnostics.MeterName, Version));

    /// <summary>The tag list holding only the workflow name.</summary>
    public static KeyValuePair<string, object?> Workflow(string name) => new(PipelineDiagnostics.WorkflowTag, name);

    public static void RecordError(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.AddException(exception);
    }

    /// <summary>Registers the queue-depth source of a workflow of this container (replacing an earlier one of the same name).</summary>
    public void RegisterQueueDepth(string workflow, QueueDepthSource source) => _queueDepthSources[workflow] = source;

    /// <summary>Removes a workflow's queue-depth source (its host stopped); a newer source of the same name stays.</summary>
    public void UnregisterQueueDepth(string workflow, QueueDepthSource source) => _queueDepthSources.TryRemove(new KeyValuePair<string, QueueDepthSource>(workflow, source));

    private IEnumerable<Measurement<long>> ObserveQueueDepths()
    {
        foreach (var (workflow, source) in _queueDepthSources)
        {
            if (source.Observe() is { } depth)
            {
                yield return new Measurement<long>(depth, Workflow(workflow));
            }
        }
    }
}
