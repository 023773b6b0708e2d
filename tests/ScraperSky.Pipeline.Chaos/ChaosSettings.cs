using System.Globalization;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>
/// What one harness run does. Four profiles, each adjustable from the command line:
/// the full run (1M rows, 20 kills, 2 restarts), <c>--quick</c> (CI: about 2 minutes on two cores, 3 kills, 1 restart),
/// <c>--load</c> (no faults: 200k rows drained by 2 processes of 4 workers per claim mode) and <c>--slow</c> (by hand:
/// lease mode only, items that outlive their lease waiting in lanes, and the thrown-away-work check).
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

    /// <summary>
    /// A safety cap on the whole run, far above its normal length: reaching it ends the run as a failure (like a stall),
    /// with the rows left counted as unfinished. Progress, not this cap, is what decides a slow machine's run.
    /// </summary>
    public required TimeSpan SafetyCap { get; init; }

    /// <summary>
    /// How long the run may go without a row finishing, counted from the last finished row or the end of the last fault,
    /// before it is stopped as stalled (a failure).
    /// </summary>
    public TimeSpan StallWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The stall window before the first processor call: starting the worker processes on a busy machine can take far
    /// longer than the gap between two finished rows.
    /// </summary>
    public TimeSpan StartupWindow => StallWindow > TimeSpan.FromMinutes(3) ? StallWindow : TimeSpan.FromMinutes(3);

    /// <summary>
    /// A self-test of the stall report: once this fraction of the rows finished, every worker is stopped with SIGSTOP
    /// (a hung fleet) and no further fault fires; the run must end as a stall, not with lost rows.
    /// </summary>
    public double? FreezeAt { get; init; }

    public int Seed { get; init; } = Environment.TickCount;

    public int BatchSize { get; init; } = 50;

    /// <summary>Lease-mode items each worker process runs at once.</summary>
    public int LeaseParallelism { get; init; } = 4;

    /// <summary>Atomic-batch loops (workflows over the same table) each worker process runs.</summary>
    public int AtomicLoops { get; init; } = 2;

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Short, so that the leases of killed workers expire and are rescued within the run.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The lease-mode item timeout; half the lease unless the items do simulated work.</summary>
    public TimeSpan? ItemTimeout { get; init; }

    public int MaxAttempts { get; init; } = 10;

    /// <summary>The simulated work of a lease-mode item: a sleep drawn between these bounds (zero: none).</summary>
    public TimeSpan WorkMin { get; init; } = TimeSpan.Zero;

    public TimeSpan WorkMax { get; init; } = TimeSpan.Zero;

    /// <summary>Every row in the lease table (no atomic-batch workflows).</summary>
    public bool LeaseOnly { get; init; }

    /// <summary>Whether the thrown-away-work check runs: the workers record each returned call (slow profile).</summary>
    public bool RecordsReturns => WorkMax > TimeSpan.Zero;

    public int LeaseItems => LeaseOnly ? Items : Items / 2;

    public int AtomicItems => Items - LeaseItems;

    public static ChaosSettings Parse(IReadOnlyList<string> args)
    {
        var settings = args.Contains("--quick")
            ? new ChaosSettings { Profile = "quick", Items = 20_000, Workers = 4, Kills = 3, Restarts = 1, SafetyCap = TimeSpan.FromMinutes(20) }
            : args.Contains("--load")
                ? new ChaosSettings { Profile = "load", Items = 200_000, Workers = 2, Kills = 0, Restarts = 0, SafetyCap = TimeSpan.FromHours(2), AtomicLoops = 4 }
                : args.Contains("--slow")
                    ? Slow
                    : new ChaosSettings { Profile = "full", Items = 1_000_000, Workers = 4, Kills = 20, Restarts = 2, SafetyCap = TimeSpan.FromHours(4) };

        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--quick" or "--load" or "--slow" => settings,
                "--items" => settings with { Items = NextInt() },
                "--workers" => settings with { Workers = NextInt() },
                "--kills" => settings with { Kills = NextInt() },
                "--restarts" => settings with { Restarts = NextInt() },
                "--seed" => settings with { Seed = NextInt() },
                "--batch" => settings with { BatchSize = NextInt() },
                "--lease-parallelism" => settings with { LeaseParallelism = NextInt() },
                "--atomic-loops" => settings with { AtomicLoops = NextInt() },
                "--timeout-seconds" => settings with { SafetyCap = TimeSpan.FromSeconds(NextInt()) },
                "--stall-seconds" => settings with { StallWindow = TimeSpan.FromSeconds(NextInt()) },
                "--lease-ms" => settings with { Lease = TimeSpan.FromMilliseconds(NextInt()) },
                "--item-timeout-ms" => settings with { ItemTimeout = TimeSpan.FromMilliseconds(NextInt()) },
                "--max-attempts" => settings with { MaxAttempts = NextInt() },
                "--work-ms" => WithWork(settings, Next()),
                "--freeze-at" => settings with { FreezeAt = double.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException(
                    $"Unknown argument '{args[i]}'. Use [--quick | --load | --slow] [--items N] [--workers K] [--kills K] [--restarts R] [--seed S] " +
                    "[--batch B] [--lease-parallelism P] [--atomic-loops A] [--timeout-seconds T] [--stall-seconds W] [--lease-ms L] [--item-timeout-ms T] " +
                    "[--max-attempts M] [--work-ms MIN-MAX] [--freeze-at FRACTION]."),
            };
        }

        if (settings.Items < 2 || settings.Workers < 1 || settings.Kills < 0 || settings.Restarts < 0 || settings.BatchSize < 1
            || settings.StallWindow <= TimeSpan.Zero || settings.SafetyCap <= TimeSpan.Zero || settings.WorkMin < TimeSpan.Zero || settings.WorkMax < settings.WorkMin)
        {
            throw new ArgumentException(
                "Items must be at least 2, workers at least 1, batch at least 1, kills and restarts not negative, the stall window and the cap positive, " +
                "the work's bounds not negative and in order.");
        }

        return settings;
    }

    private static ChaosSettings WithWork(ChaosSettings settings, string range)
    {
        var bounds = range.Split('-');
        var min = int.Parse(bounds[0], CultureInfo.InvariantCulture);
        var max = bounds.Length > 1 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : min;
        return settings with { WorkMin = TimeSpan.FromMilliseconds(min), WorkMax = TimeSpan.FromMilliseconds(max) };
    }

    /// <summary>
    /// The slow-work profile: every item sleeps 3–5 s (its simulated work) under a 3 s lease renewed by the lease keeper
    /// every 300 ms (ten renewals per lease, so a busy machine does not fail it), five items per claim run one after
    /// another (parallelism 1), so items wait in lanes and their claim outlives its lease several times over. Six worker
    /// processes, 2 kills and 1 restart; four attempts, so that a run on an engine that throws work away still ends.
    /// </summary>
    private static ChaosSettings Slow => new()
    {
        Profile = "slow",
        Items = 150,
        Workers = 6,
        Kills = 2,
        Restarts = 1,
        SafetyCap = TimeSpan.FromMinutes(20),
        LeaseOnly = true,
        AtomicLoops = 0,
        BatchSize = 5,
        LeaseParallelism = 1,
        Lease = TimeSpan.FromSeconds(3),
        ItemTimeout = TimeSpan.FromSeconds(30),
        MaxAttempts = 4,
        WorkMin = TimeSpan.FromSeconds(3),
        WorkMax = TimeSpan.FromSeconds(5),
    };
}
