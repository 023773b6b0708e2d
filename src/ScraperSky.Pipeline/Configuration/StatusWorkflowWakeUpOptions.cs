namespace ScraperSky.Pipeline;

/// <summary>Waking a status workflow by LISTEN/NOTIFY as soon as a row becomes queued: <see cref="StatusWorkflowOptions.WakeUp"/>.</summary>
public sealed class StatusWorkflowWakeUpOptions
{
    /// <summary>
    /// Gets or sets whether a notification wakes the workflow as soon as a row becomes queued, instead of at the next
    /// <see cref="StatusWorkflowScheduleOptions.Interval"/>, which then serves as the safety poll. Needs the workflow's
    /// trigger (<see cref="InstallTrigger"/> or <c>StatusWorkflowScripts.WakeUpTrigger</c> in a migration).
    /// </summary>
    /// <value>
    /// Default <see langword="true"/>: a new user's rows start within milliseconds, not at the next poll. The listener
    /// costs one idle connection per host. Without the trigger it still wakes the workflow for rows queued through
    /// this library, and the start-up check says the trigger is missing (with the script that installs it); behind a
    /// transaction-mode pooler set <see cref="ConnectionString"/> to a direct connection, or turn wake-up off.
    /// </value>
    public bool Enabled { get; set; } = true;

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
