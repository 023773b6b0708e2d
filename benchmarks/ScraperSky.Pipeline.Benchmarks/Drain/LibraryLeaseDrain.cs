using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>
/// The library in lease mode: N simulated hosts, each running the workflow's loop until the queue is empty. One short
/// claim statement per batch, each item in a transaction of its own (free for a no-op item: the BEGIN is never sent),
/// the batch's outcomes in one fenced statement.
/// </summary>
internal sealed class LibraryLeaseDrain : IDrainSystem
{
    public string Name => "library-lease";

    public DrainPattern Pattern => DrainPattern.Lease;

    public string? Unavailable => null;

    public bool UsesQueueTable => true;

    public Task<IDrainRun> PrepareAsync(DrainSetup setup, CancellationToken ct)
        => LibraryDrainRun.PrepareAsync(setup, ClaimMode.Lease, "library-lease-worker", ct);
}
