namespace ScraperSky.Pipeline;

/// <summary>How a scheduled run of a job ended.</summary>
public enum JobRunOutcome
{
    /// <summary>The job ran and returned normally.</summary>
    Succeeded,

    /// <summary>The job ran and threw an exception.</summary>
    Failed,

    /// <summary>The run did not start: it was due longer ago than the job's misfire grace time.</summary>
    Missed,

    /// <summary>The run did not start: the job already had its maximum number of instances running.</summary>
    Skipped,

    /// <summary>The job ran and was cancelled because the host stopped; not a failure.</summary>
    Canceled,
}
