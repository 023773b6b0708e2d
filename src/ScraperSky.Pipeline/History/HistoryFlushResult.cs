namespace ScraperSky.Pipeline.History;

/// <summary>What one history flush did: rows written, statements and round trips sent, and the retention's election.</summary>
internal sealed class HistoryFlushResult
{
    /// <summary>Gets or sets the workflow-minutes written.</summary>
    public int Minutes { get; set; }

    /// <summary>Gets or sets the failure groups (workflow, message, hour) written.</summary>
    public int ErrorGroups { get; set; }

    /// <summary>Gets or sets the SQL statements sent (DDL, upserts, retention).</summary>
    public int Statements { get; set; }

    /// <summary>Gets or sets the round trips of the upserts (one per flush that had anything to write).</summary>
    public int RoundTrips { get; set; }

    /// <summary>Gets or sets whether this host was elected to apply the retention, when it tried (null when it did not try).</summary>
    public bool? RetentionElected { get; set; }

    /// <summary>Gets or sets whether a write failed (what was pending waits for the next flush).</summary>
    public bool Failed { get; set; }
}
