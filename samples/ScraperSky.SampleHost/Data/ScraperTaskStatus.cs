namespace ScraperSky.SampleHost.Data;

/// <summary>The seeds' <c>task_status</c> enum type; created with the schema, not used by the four workflows (the seeds list it as "if used in background jobs").</summary>
public enum ScraperTaskStatus
{
    Queued,
    InProgress,
    Completed,
    Error,
    ManualReview,
    Cancelled,
    Paused,
}
