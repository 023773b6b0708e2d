using System.Globalization;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>
/// What one harness run does. Three profiles, each adjustable from the command line:
/// the full run (1M rows, 20 kills, 2 restarts), <c>--quick</c> (CI: under 3 minutes on two cores, 3 kills, 1 restart)
/// and <c>--load</c> (no faults: 200k rows drained by 2 processes of 4 workers per claim mode).
/// </summary>
internal sealed record ChaosSettings
{
    public required string Profile { get; init; }

    /// <summary>Rows queued in all, split evenly between the lease and the atomic table.</summary>
    public required int Items { get; init; }

    /// <summary>Worker processes alive at any time (a killed one is replaced at once).</summary>
    public required int Workers { get; init; }

    public required int Kills { get; init; }

    public required int Restarts { get; init; }

    /// <summary>How long the workers may take to finish every row before the run is judged as it stands.</summary>
    public required TimeSpan Timeout { get; init; }

    public int Seed { get; init; } = Environment.TickCount;

    public int BatchSize { get; init; } = 50;

    /// <summary>Lease-mode items each worker process runs at once.</summary>
    public int LeaseParallelism { get; init; } = 4;

    /// <summary>Atomic-batch loops (workflows over the same table) each worker process runs.</summary>
    public int AtomicLoops { get; init; } = 2;

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Short, so that the leases of killed workers expire and are rescued within the run.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(5);

    public int LeaseItems => Items / 2;

    public int AtomicItems => Items - LeaseItems;

    public static ChaosSettings Parse(IReadOnlyList<string> args)
    {
        var settings = args.Contains("--quick")
            ? new ChaosSettings { Profile = "quick", Items = 20_000, Workers = 4, Kills = 3, Restarts = 1, Timeout = TimeSpan.FromSeconds(140) }
            : args.Contains("--load")
                ? new ChaosSettings { Profile = "load", Items = 200_000, Workers = 2, Kills = 0, Restarts = 0, Timeout = TimeSpan.FromMinutes(30), AtomicLoops = 4 }
                : new ChaosSettings { Profile = "full", Items = 1_000_000, Workers = 4, Kills = 20, Restarts = 2, Timeout = TimeSpan.FromMinutes(90) };

        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--quick" or "--load" => settings,
                "--items" => settings with { Items = NextInt() },
                "--workers" => settings with { Workers = NextInt() },
                "--kills" => settings with { Kills = NextInt() },
                "--restarts" => settings with { Restarts = NextInt() },
                "--seed" => settings with { Seed = NextInt() },
                "--batch" => settings with { BatchSize = NextInt() },
                "--lease-parallelism" => settings with { LeaseParallelism = NextInt() },
                "--atomic-loops" => settings with { AtomicLoops = NextInt() },
                "--timeout-seconds" => settings with { Timeout = TimeSpan.FromSeconds(NextInt()) },
                _ => throw new ArgumentException(
                    $"Unknown argument '{args[i]}'. Use [--quick | --load] [--items N] [--workers K] [--kills K] [--restarts R] [--seed S] " +
                    "[--batch B] [--lease-parallelism P] [--atomic-loops A] [--timeout-seconds T]."),
            };
        }

        if (settings.Items < 2 || settings.Workers < 1 || settings.Kills < 0 || settings.Restarts < 0 || settings.BatchSize < 1)
        {
            throw new ArgumentException("Items must be at least 2, workers at least 1, batch at least 1, kills and restarts not negative.");
        }

        return settings;
    }
}
