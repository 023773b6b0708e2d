namespace ScraperSky.Pipeline.Benchmarks.Suite;

/// <summary>
/// How much one run measures: <see cref="Quick"/> fits in a few minutes on a 2-core machine (fewer items, fewer
/// combinations, no 10M-row table); <see cref="Full"/> runs every combination of the issue and may take an hour.
/// Item counts are sized so that every drain lasts a few seconds at the rates this machine reaches: long enough
/// to swamp start-up jitter, short enough that the table never drains before the clock stops.
/// </summary>
internal sealed record BenchProfile
{
    public required string Name { get; init; }

    /// <summary>The (batch size, workers) combinations of the drain matrix, for every system that batches.</summary>
    public required IReadOnlyList<(int BatchSize, int Workers)> DrainCombinations { get; init; }

    /// <summary>Hangfire worker counts tried (Hangfire fetches one job at a time; batch size does not apply).</summary>
    public required IReadOnlyList<int> HangfireWorkers { get; init; }

    public required int HangfireJobs { get; init; }

    /// <summary>Pre-queued items per drain, by batch size: small batches are slow, so they get fewer items.</summary>
    public required Func<int, int> DrainItems { get; init; }

    /// <summary>The batch size and worker counts of the ablation that splits the library's overhead into parts.</summary>
    public required IReadOnlyList<int> ProfileWorkers { get; init; }

    public required TimeSpan DrainTimeout { get; init; }

    /// <summary>How often each headline cell (batch 100 and batch 1000) is measured, interleaved with the other systems; the best run is reported.</summary>
    public required int DrainRepetitions { get; init; }

    /// <summary>How often the other cells (other batch sizes, the ablation) are measured.</summary>
    public required int OtherRepetitions { get; init; }

    public required int LatencySamples { get; init; }

    public required TimeSpan LatencyPollInterval { get; init; }

    public required IReadOnlyList<long> ClaimCostRows { get; init; }

    public required int ClaimCostIterations { get; init; }

    public required TimeSpan IdleWindow { get; init; }

    public required TimeSpan IdleInterval { get; init; }

    /// <summary>Whether the in-process BenchmarkDotNet allocation benchmarks use a short job (the suite) or BDN's default.</summary>
    public required bool ShortMicroJob { get; init; }

    /// <summary>When set, only the drain systems of these names run (a focused run, for profiling one system).</summary>
    public IReadOnlySet<string>? DrainSystems { get; init; }

    public static readonly int[] BatchSizes = [1, 10, 100, 1000];

    /// <summary>The batch size of the headline ratios.</summary>
    public const int HeadlineBatchSize = 100;

    public static BenchProfile Quick { get; } = new()
    {
        Name = "quick",
        // Every batch size at 2 workers (the chart), batch 100 at 4 workers too (the headline's best of 1, 2, 4: the
        // ablation measures 1 worker at batch 100).
        DrainCombinations = [(1, 2), (10, 2), (100, 2), (100, 4), (1000, 2)],
        // Hangfire at its best: 16 workers measured 180–257 jobs/s on a 2-core machine with its defaults, and 2,000 jobs
        // reach steady state (800 ended while its workers were still warming up); 20 beside it, the faster of 10 and 20
        // while the harness was built.
        HangfireWorkers = [16, 20],
        HangfireJobs = 2_000,
        // Batch 1000 needs 150,000 items: at 50,000 each worker made only 25 claims and the timed drain lasted half a
        // second, so start-up costs decided the cell (atomic library/raw read 0.45 at 50,000 and 1.11 at 200,000).
        DrainItems = batch => batch switch { 1 => 600, 10 => 6_000, 100 => 30_000, _ => 150_000 },
        ProfileWorkers = [1],
        DrainTimeout = TimeSpan.FromSeconds(45),
        // Five runs of each headline cell (batch 100 and 1000) and three of the others: the disk's commit latency swings
        // from one second to the next, and with fewer runs a cell's best often came from a slow stretch of it.
        DrainRepetitions = 5,
        OtherRepetitions = 3,
        LatencySamples = 200,
        LatencyPollInterval = TimeSpan.FromMilliseconds(100),
        ClaimCostRows = [10_000, 100_000, 1_000_000],
        ClaimCostIterations = 100,
        IdleWindow = TimeSpan.FromSeconds(5),
        IdleInterval = TimeSpan.FromMilliseconds(100),
        ShortMicroJob = true,
    };

    public static BenchProfile Full { get; } = new()
    {
        Name = "full",
        DrainCombinations = [.. from b in BatchSizes from w in new[] { 1, 2, 4, 8 } select (b, w)],
        HangfireWorkers = [1, 2, 4, 8, 10, 20, 40],
        HangfireJobs = 3_000,
        DrainItems = batch => batch switch { 1 => 5_000, 10 => 30_000, 100 => 150_000, _ => 400_000 },
        ProfileWorkers = [1, 2],
        DrainTimeout = TimeSpan.FromMinutes(5),
        DrainRepetitions = 3,
        OtherRepetitions = 3,
        LatencySamples = 1_000,
        LatencyPollInterval = TimeSpan.FromMilliseconds(100),
        ClaimCostRows = [10_000, 100_000, 1_000_000, 10_000_000],
        ClaimCostIterations = 500,
        IdleWindow = TimeSpan.FromSeconds(30),
        IdleInterval = TimeSpan.FromMilliseconds(100),
        ShortMicroJob = false,
    };
}
