namespace ScraperSky.Pipeline;

/// <summary>
/// The names under which the library publishes telemetry: one <see cref="System.Diagnostics.Metrics.Meter"/> and one
/// <see cref="System.Diagnostics.ActivitySource"/>, both named after the package, so OpenTelemetry picks them up
/// with <c>AddMeter(PipelineDiagnostics.MeterName)</c> and <c>AddSource(PipelineDiagnostics.ActivitySourceName)</c>.
/// </summary>
public static class PipelineDiagnostics
{
    /// <summary>The name of the library's meter.</summary>
    public const string MeterName = "ScraperSky.Pipeline";

    /// <summary>The name of the library's activity source.</summary>
    public const string ActivitySourceName = "ScraperSky.Pipeline";

    /// <summary>The tag holding the workflow name, on every instrument and span.</summary>
    public const string WorkflowTag = "scrapersky.pipeline.workflow";

    /// <summary>The tag holding the scheduler job id, on spans.</summary>
    public const string JobIdTag = "scrapersky.pipeline.job_id";

    /// <summary>The tag holding the batch size, on claim spans.</summary>
    public const string BatchSizeTag = "scrapersky.pipeline.batch_size";

    /// <summary>The tag holding the item's key, on item spans.</summary>
    public const string ItemIdTag = "scrapersky.pipeline.item_id";

    /// <summary>The tag holding the number of items a claim returned or an outcome statement wrote.</summary>
    public const string ItemCountTag = "scrapersky.pipeline.item_count";

    /// <summary>The tag holding an item's outcome (completed, failed, retried, snoozed, released) on item spans and item-duration records.</summary>
    public const string OutcomeTag = "scrapersky.pipeline.outcome";
}
