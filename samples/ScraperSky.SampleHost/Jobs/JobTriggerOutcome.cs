namespace ScraperSky.SampleHost.Jobs;

/// <summary>What a manual trigger did.</summary>
public enum JobTriggerOutcome
{
    /// <summary>The run was started.</summary>
    Started,

    /// <summary>No job has that id.</summary>
    UnknownJob,

    /// <summary>The scheduler in use cannot run jobs on demand.</summary>
    NotSupported,
}
