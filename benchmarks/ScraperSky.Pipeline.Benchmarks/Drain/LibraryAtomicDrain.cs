using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>The library in atomic-batch mode: N simulated hosts, each running the workflow's loop until the queue is empty.</summary>
internal sealed class LibraryAtomicDrain : IDrainSystem
{
    public string Name => "library-atomic";

    public DrainPattern Pattern => DrainPattern.Atomic;

    public string? Unavailable => null;

    public bool UsesQueueTable => true;

    public Task<IDrainRun> PrepareAsync(DrainSetup setup, CancellationToken ct)
        => LibraryDrainRun.PrepareAsync(setup, ClaimMode.AtomicBatch, "library-worker", ct);
}

/// <summary>Runs prepared library workers; shared by the library's modes, which differ only in their options.</summary>
internal sealed class LibraryDrainRun(IReadOnlyList<LibraryWorker> workers, DrainSetup setup) : IDrainRun
{
    /// <summary>Builds one simulated host per worker, in the given claim mode (none of it timed).</summary>
    public static async Task<IDrainRun> PrepareAsync(DrainSetup setup, ClaimMode mode, string namePrefix, CancellationToken ct)
    {
        var workers = new List<LibraryWorker>();
        for (var i = 0; i < setup.Workers; i++)
        {
            workers.Add(await LibraryWorker.StartAsync<NoopProcessor>(
                setup.ConnectionString,
                $"{namePrefix}-{i}",
                o =>
                {
                    o.Mode = mode;
                    o.Batch.Size = setup.BatchSize;
                    // One run drains the whole queue; the default (100 batches) would end runs early at small batch sizes.
                    o.Batch.MaxPerRun = int.MaxValue;
                },
                services: null,
                ct));
        }

        return new LibraryDrainRun(workers, setup);
    }

    public Task RunAsync(CancellationToken ct)
        => Task.WhenAll(workers.Select(worker => Task.Run(
            async () =>
            {
                // A run ends at the first short batch; with SKIP LOCKED a batch can be short while others still hold
                // rows, so a worker stops only when a run claims nothing at all.
                while ((await worker.RunOnceAsync(ct)).Claimed > 0)
                {
                }
            },
            ct)));

    public async Task<long> CountFinishedAsync(CancellationToken ct)
    {
        var counts = await QueueTable.CountByStatusAsync(setup.ConnectionString, ct);
        return counts.GetValueOrDefault("Completed") + counts.GetValueOrDefault("Error") - setup.History;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in workers)
        {
            await worker.DisposeAsync();
        }
    }
}
