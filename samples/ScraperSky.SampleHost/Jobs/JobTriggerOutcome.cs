namespace ScraperSky.SampleHost.Jobs;

/// <summary>What a manual trigger did.</summary>
public enum JobTriggerOutcome
{
    /// <summary>Every enabled workflow of the job ran; the results say how each ended.</summary>
    Ran,

    /// <summary>No job has that id.</summary>
    UnknownJob,

    /// <summary>A workflow of the job was already running its maximum of runs, so that run did not start.</summary>
    AlreadyRunning,

    /// <summary>Every workflow of the job is disabled by its settings.</summary>
    Disabled,

    /// <summary>The scheduler is not running (the host is starting or stopping).</summary>
    NotRunning,
}
