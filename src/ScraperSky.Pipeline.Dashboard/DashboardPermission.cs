namespace ScraperSky.Pipeline.Dashboard;

/// <summary>What a dashboard user asks to do: view, or one of the actions, each decided on its own.</summary>
public enum DashboardPermission
{
    /// <summary>See the pages and the live counts.</summary>
    View = 0,

    /// <summary>Queue rows again (the selection, or every row that matches the filters).</summary>
    Requeue = 1,

    /// <summary>Cancel queued rows (they move to the error status with a reason naming the user).</summary>
    Cancel = 2,

    /// <summary>Queue again the rows stuck in processing past their lease.</summary>
    ResetStuck = 3,

    /// <summary>Pause or resume a workflow or a job (cluster-wide when <see cref="IPipelineCluster"/> is registered).</summary>
    PauseResume = 4,

    /// <summary>Start a run of a workflow or a job now.</summary>
    RunNow = 5,
}
