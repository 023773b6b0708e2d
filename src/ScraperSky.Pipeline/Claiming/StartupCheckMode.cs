namespace ScraperSky.Pipeline;

/// <summary>What the start-up check of a status workflow does with its findings (a missing claim index, an unusable column type…).</summary>
public enum StartupCheckMode
{
    /// <summary>Log each finding as a warning, with the statement that fixes it, and start.</summary>
    Warn = 0,

    /// <summary>Stop start-up on the first finding.</summary>
    Fail = 1,

    /// <summary>Skip the advisory checks (the checks that the table, columns and status values exist still run).</summary>
    Off = 2,
}
