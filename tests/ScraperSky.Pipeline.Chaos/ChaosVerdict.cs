namespace ScraperSky.Pipeline.Chaos;

/// <summary>The final state of one table, and of its ledger and executions.</summary>
internal sealed record TableVerdict(
    string Mode,
    int Expected,
    long Rows,
    long Completed,
    long ErrorWithReason,
    long ErrorWithoutReason,
    long Queued,
    long Processing,
    long StuckProcessing,
    long CompletedWithoutLedger,
    long LedgerWithoutCompletion,
    long LedgerDuplicates,
    long WentBackwards,
    long Executions,
    long ItemsExecuted,
    long CompletedWithoutExecution,
    long DuplicateKeyErrors)
{
    /// <summary>
    /// Rows the pipeline lost: missing from the table, that left a finished status (went backwards), or completed
    /// without their ledger entry (an outcome written without the processor's work). A row still queued is not lost: it
    /// is <see cref="Unfinished"/>.
    /// </summary>
    public long Lost => Math.Max(0, Expected - Rows) + WentBackwards + CompletedWithoutLedger;

    /// <summary>Rows still queued or processing when the run stopped.</summary>
    public long Unfinished => Queued + Processing;

    /// <summary>Completions the ledger does not show exactly once: ledger rows beyond one per item, or of rows not completed.</summary>
    public long DoubleCompleted => LedgerWithoutCompletion + LedgerDuplicates;

    /// <summary>
    /// Rows processing whose lease is long past with no rescue (also counted as unfinished), or ended as error without a
    /// reason.
    /// </summary>
    public long Stuck => StuckProcessing + ErrorWithoutReason;

    /// <summary>Executions beyond one per item: work repeated because a kill or a restart rolled it back.</summary>
    public long ExtraExecutions => Executions - ItemsExecuted;
}

/// <summary>
/// The lease-mode processor calls that returned, and those whose outcome was never written: excused by a SIGKILL of
/// their worker or by a PostgreSQL restart during the call, or thrown away by the engine.
/// </summary>
internal sealed record ThrownAwayVerdict(long Returned, long ExcusedByKill, long ExcusedByRestart, long ThrownAway, long ReturnedAfterLeaseExpiry, List<string> Samples);
