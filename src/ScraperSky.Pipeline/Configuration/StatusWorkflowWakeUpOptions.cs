namespace ScraperSky.Pipeline;

/// <summary>Waking a status workflow by LISTEN/NOTIFY as soon as a row becomes queued: <see cref="StatusWorkflowOptions.WakeUp"/>.</summary>
public sealed class StatusWorkflowWakeUpOptions
{
    /// <summary>
    /// Gets or sets whether a notification wakes the workflow as soon as a row becomes queued, instead of at the next
    /// <see cref="StatusWorkflowScheduleOptions.Interval"/>, which then serves as the safety poll. Needs the workflow's
    /// trigger (<see cref="InstallTrigger"/> or <c>StatusWorkflowScripts.WakeUpTrigger</c> in a migration).
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets whether start-up installs (or replaces) the workflow's wake-up trigger.</summary>
    /// <value>Default <see langword="false"/>: install it with a migration.</value>
    public bool InstallTrigger { get; set; }

    /// <summary>
    /// Gets or sets the connection string the wake-up listener uses, when the workflow's own goes through a
    /// transaction-mode pooler (where LISTEN cannot work): a direct connection to the same database.
    /// </summary>
    /// <value>Default <see langword="null"/>: the workflow's DbContext connection string.</value>
    public string? ConnectionString { get; set; }
}
