namespace ScraperSky.Pipeline;

/// <summary>The four places a row of a status workflow can be, whatever values the workflow maps them to.</summary>
public enum StatusRole
{
    /// <summary>Waiting to be claimed (the workflow's queued value).</summary>
    Queued = 0,

    /// <summary>Claimed by a host (the workflow's processing value).</summary>
    Processing = 1,

    /// <summary>Finished (the workflow's completed value).</summary>
    Completed = 2,

    /// <summary>Failed for good, with a reason in the error column when the workflow has one.</summary>
    Error = 3,
}
