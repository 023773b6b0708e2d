namespace ScraperSky.Pipeline;

/// <summary>How a status workflow learns of newly queued rows on this host, as read by <see cref="IPipelineCatalog.GetWakeUpStatus"/>.</summary>
public enum WakeUpState
{
    /// <summary>Wake-up is off for the workflow on this host (<c>WakeUp:Enabled</c> is false, or the workflow is disabled here): it polls on its schedule, by choice.</summary>
    Off = 0,

    /// <summary>Wake-up is on and the listening connection has not been opened yet (the host is starting).</summary>
    Connecting = 1,

    /// <summary>The listening connection is open and listens on the workflow's channel: a queued row wakes the workflow at once.</summary>
    Listening = 2,

    /// <summary>The listening connection could not be opened or was lost and is being reopened with back-off; meanwhile the workflow's schedule polls.</summary>
    Reconnecting = 3,

    /// <summary>
    /// Wake-up is on but notifications cannot arrive, so the workflow picks rows up on its schedule's poll: the
    /// connection goes through a transaction-mode pooler (LISTEN cannot work there), or the start-up check found the
    /// wake-up trigger missing, disabled or outdated (then only rows queued through <see cref="IStatusWorkflowQueues"/>,
    /// which notify by themselves, still wake it). <see cref="WakeUpStatus.Reason"/> says which.
    /// </summary>
    PollingOnly = 4,
}
