namespace ScraperSky.Pipeline;

/// <summary>How a workflow claims and finishes its rows.</summary>
public enum ClaimMode
{
    /// <summary>
    /// One transaction claims a batch with <c>SELECT … FOR UPDATE SKIP LOCKED</c>, processes every item and writes
    /// every outcome. A crash rolls everything back and the rows are still queued. Row locks and a connection are held
    /// for the whole batch: for short work.
    /// </summary>
    AtomicBatch = 0,

    /// <summary>
    /// One short statement claims a batch (status processing, attempts + 1, a lease expiry and a claim token); each
    /// item is then processed in a transaction of its own, and its outcome is written only while the claim is still
    /// ours. Expired leases are rescued. For work that calls the network. Needs the columns set with
    /// <c>StatusWorkflowBuilder.Lease(…)</c>.
    /// </summary>
    Lease = 1,
}
