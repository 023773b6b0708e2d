namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>The claim pattern a system follows; the library is compared with the raw-SQL loop of the same pattern.</summary>
internal enum DrainPattern
{
    /// <summary>One transaction claims, processes and writes every outcome (<c>b_atomic_batch.sql</c>).</summary>
    Atomic,

    /// <summary>A short claim transaction that sets a lease, then the outcomes in a second (<c>a2_lease_2tx.sql</c>).</summary>
    Lease,

    /// <summary>A job queue with its own jobs table (Hangfire): one job per fetch, batch size does not apply.</summary>
    JobQueue,
}

/// <summary>
/// Something that drains N pre-queued no-op items with a number of concurrent workers: the library in one of its modes,
/// a hand-written raw-SQL loop, or a peer job queue. Adding a system (say, the library's lease mode) is one class.
/// </summary>
internal interface IDrainSystem
{
    /// <summary>The name in tables, the CSV and the chart, e.g. <c>library-atomic</c>.</summary>
    string Name { get; }

    DrainPattern Pattern { get; }

    /// <summary>Why the system cannot run in this build (reported as the figure), or null when it can.</summary>
    string? Unavailable { get; }

    /// <summary>Whether items are pre-queued rows of the reference table (false: the system queues its own jobs).</summary>
    bool UsesQueueTable { get; }

    /// <summary>Gets everything ready that is not part of the measurement: hosts built, connections opened, statements prepared.</summary>
    Task<IDrainRun> PrepareAsync(DrainSetup setup, CancellationToken ct);
}

/// <summary>One prepared drain: <see cref="RunAsync"/> is the timed part.</summary>
internal interface IDrainRun : IAsyncDisposable
{
    /// <summary>
    /// Untimed, before <see cref="RunAsync"/>: every worker runs exactly one full batch, as a host that has been running
    /// has (its connections, type caches and first statements are behind it). A system on the reference table is
    /// given <c>Workers × BatchSize</c> extra queued items for it.
    /// </summary>
    Task WarmUpAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Starts every worker and returns when the last outcome is written (every worker found nothing left).</summary>
    Task RunAsync(CancellationToken ct);

    /// <summary>How many items reached a final state, read from the database after the run.</summary>
    Task<long> CountFinishedAsync(CancellationToken ct);
}

/// <summary>What one drain measures.</summary>
/// <param name="ConnectionString">The database of the reference table.</param>
/// <param name="History">Completed rows at the head of the table (not part of the drain).</param>
/// <param name="HangfireConnectionString">The separate database Hangfire keeps its own tables in.</param>
internal sealed record DrainSetup(string ConnectionString, string HangfireConnectionString, int BatchSize, int Workers, long Items, long History);
