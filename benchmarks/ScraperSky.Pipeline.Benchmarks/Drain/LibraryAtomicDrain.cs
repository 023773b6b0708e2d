using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>
/// The library in atomic-batch mode: N simulated hosts, each running the workflow's loop until the queue is empty.
/// <paramref name="prepared"/> false turns the library's statement preparation off (the ablation's step before it).
/// </summary>
internal sealed class LibraryAtomicDrain(bool prepared = true) : IDrainSystem
{
    public string Name => prepared ? "library-atomic" : "library-atomic unprepared";

    public DrainPattern Pattern => DrainPattern.Atomic;

    public string? Unavailable => null;

    public bool UsesQueueTable => true;

    public Task<IDrainRun> PrepareAsync(DrainSetup setup, CancellationToken ct)
        => LibraryDrainRun.PrepareAsync(setup, ClaimMode.AtomicBatch, "library-worker", ct, prepared);
}

/// <summary>Runs prepared library workers; shared by the library's modes, which differ only in their options.</summary>
internal sealed class LibraryDrainRun(IReadOnlyList<LibraryWorker> workers, DrainSetup setup) : IDrainRun
{
    /// <summary>Builds one simulated host per worker, in the given claim mode (none of it timed).</summary>
    public static async Task<IDrainRun> PrepareAsync(DrainSetup setup, ClaimMode mode, string namePrefix, CancellationToken ct, bool prepared = true)
    {
        var workers = new List<LibraryWorker>();
        // The library reads its preparation switch when a workflow's store is built (in StartAsync), so the switch is
        // set only while these workers are built; nothing else builds workers meanwhile.
        AppContext.SetSwitch(Claiming.StatementPreparation.DisableSwitch, !prepared);
        try
        {
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
        }
        finally
        {
            AppContext.SetSwitch(Claiming.StatementPreparation.DisableSwitch, false);
        }

        // The service providers compile their resolvers on the thread pool (see LibraryWorker): let that finish.
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        return new LibraryDrainRun(workers, setup);
    }

    public async Task WarmUpAsync(CancellationToken ct)
    {
        foreach (var worker in workers)
        {
            var perRun = worker.Options.Batch.MaxPerRun;
            worker.Options.Batch.MaxPerRun = 1;
            try
            {
                await worker.RunOnceAsync(ct);
            }
            finally
            {
                worker.Options.Batch.MaxPerRun = perRun;
            }
        }
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
