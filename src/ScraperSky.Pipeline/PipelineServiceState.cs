namespace ScraperSky.Pipeline;

/// <summary>The lifecycle states of a <see cref="PipelineService"/> (the seeds' <c>AbstractService</c>).</summary>
public enum PipelineServiceState
{
    /// <summary>Constructed; not started yet.</summary>
    Created,

    /// <summary>Running <c>ConfigureAsync</c>.</summary>
    Starting,

    /// <summary>Calling <c>UpdateAsync</c> on its interval.</summary>
    Running,

    /// <summary>Paused: no update starts until it is resumed.</summary>
    Paused,

    /// <summary>Stopping: the update in progress is told to stop, then <c>CleanupAsync</c> runs.</summary>
    Stopping,

    /// <summary>Stopped with the host.</summary>
    Stopped,

    /// <summary>Stopped for good after too many failed updates in a row (or a failed configuration); reports unhealthy.</summary>
    Faulted,
}
