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

    public async Task<IDrainRun> PrepareAsync(DrainSetup setup, CancellationToken ct)
    {
        var workers = new List<LibraryWorker>();
        for (var i = 0; i < setup.Workers; i++)
        {
            workers.Add(await LibraryWorker.StartAsync<NoopProcessor>(
                setup.ConnectionString,
                $"library-lease-worker-{i}",
                o =>
                {
                    o.Mode = ClaimMode.Lease;
                    o.BatchSize = setup.BatchSize;
                    o.MaxBatchesPerRun = int.MaxValue;
                },
                services: null,
                ct));
        }

        return new LibraryDrainRun(workers, setup);
    }
}
