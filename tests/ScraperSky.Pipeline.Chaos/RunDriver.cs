using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ScraperSky.Pipeline.Testing;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>
/// Drives a run while the workers drain the tables: watches the progress, fires the faults at their planned points,
/// replaces crashed workers, and decides when the run ends — every row finished, the rows ran out before every fault
/// fired, no row finished within the stall window, or the safety cap.
/// </summary>
internal sealed class RunDriver(ChaosSettings settings, TextWriter output, ThrowawayPostgres postgres, string connectionString, WorkerFleet fleet, Random random, Stopwatch clock)
{
    // Counting the unfinished rows reads two partial indexes; more often would take CPU from the workers on large runs.
    private static readonly TimeSpan PollPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProgressPeriod = TimeSpan.FromSeconds(5);

    /// <summary>The faults fired so far, with their times, for the verdict.</summary>
    public List<FaultRecord> Faults { get; } = [];

    public int Restarts => Faults.Count(f => f.Kind == FaultRecord.Restart);

    public async Task<RunEnd> DriveAsync(CancellationToken ct)
    {
        var faults = PlanFaults();
        var next = 0;
        var lastReport = TimeSpan.Zero;
        var bestFinished = -1L;
        var callsStarted = false;
        var frozen = false;
        // The stall window runs from the last row finished or the end of the last fault, whichever is later; until the
        // first processor call starts, the longer start-up window applies.
        var lastAdvance = clock.Elapsed;
        var cap = clock.Elapsed + settings.SafetyCap;
        using var timer = new PeriodicTimer(PollPeriod);
        while (await timer.WaitForNextTickAsync(ct))
        {
            fleet.ReplaceExited();
            long? remaining;
            try
            {
                (var unfinished, var started) = await ChaosSchema.ProgressAsync(connectionString, ct);
                remaining = unfinished;
                callsStarted |= started;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                remaining = null; // The server is unreachable: no progress seen, the stall window keeps running.
            }

            if (remaining is { } left)
            {
                var finished = settings.Items - left;
                if (finished > bestFinished)
                {
                    bestFinished = finished;
                    lastAdvance = clock.Elapsed;
                }

                var done = (double)finished / settings.Items;
                if (clock.Elapsed - lastReport >= ProgressPeriod)
                {
                    lastReport = clock.Elapsed;
                    Say($"{finished} of {settings.Items} finished ({done:P0}), {fleet.Count} workers");
                }

                if (!frozen && settings.FreezeAt is { } freezeAt && done >= freezeAt)
                {
                    fleet.FreezeAll();
                    frozen = true;
                    Say("SIGSTOP to every worker (--freeze-at): a hung fleet, which must end as a stall; no further fault fires");
                }

                while (!frozen && next < faults.Count && faults[next].At <= done)
                {
                    await FireAsync(faults[next].Restart, ct);
                    lastAdvance = clock.Elapsed;
                    next++;
                }

                if (left == 0)
                {
                    Say(next == faults.Count ? "every row finished" : "every row finished before every planned fault fired");
                    return next == faults.Count ? RunEnd.Finished : RunEnd.RanOutOfRows;
                }
            }

            var window = callsStarted ? settings.StallWindow : settings.StartupWindow;
            if (clock.Elapsed - lastAdvance >= window)
            {
                Say(string.Create(
                    CultureInfo.InvariantCulture,
                    $"STALL: {(callsStarted ? "no row finished" : "no processor call started")} for {(clock.Elapsed - lastAdvance).TotalSeconds:0} s (window {window.TotalSeconds:0} s, no fault in progress)"));
                return RunEnd.Stalled;
            }

            if (clock.Elapsed >= cap)
            {
                Say(string.Create(CultureInfo.InvariantCulture, $"STALL: the safety cap of {settings.SafetyCap.TotalSeconds:0} s was reached with rows unfinished"));
                return RunEnd.CapReached;
            }
        }

        throw new OperationCanceledException(ct);
    }

    /// <summary>Kills and restarts at random points of the progress (fractions of rows finished), all before the queue runs dry.</summary>
    private List<(double At, bool Restart)> PlanFaults()
    {
        var faults = new List<(double At, bool Restart)>();
        for (var i = 0; i < settings.Kills; i++)
        {
            faults.Add((0.05 + (random.NextDouble() * 0.75), false));
        }

        for (var i = 0; i < settings.Restarts; i++)
        {
            // Restarts spread over the run, each in a slice of its own, so recoveries do not overlap.
            var slice = 0.7 / settings.Restarts;
            faults.Add((0.1 + (slice * i) + (random.NextDouble() * slice * 0.8), true));
        }

        return faults.OrderBy(f => f.At).ToList();
    }

    private async Task FireAsync(bool restart, CancellationToken ct)
    {
        // A random moment within the next few hundred milliseconds: not aligned with the poll or the workers' interval.
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 400)), ct);
        var startedAt = DateTimeOffset.UtcNow;
        var started = clock.Elapsed;
        if (restart)
        {
            await postgres.RestartAsync(immediate: true, ct);
            Faults.Add(new FaultRecord(FaultRecord.Restart, null, startedAt, DateTimeOffset.UtcNow));
            Say(string.Create(CultureInfo.InvariantCulture, $"PostgreSQL restarted (immediate shutdown, {(clock.Elapsed - started).TotalSeconds:0.0} s down)"));
        }
        else
        {
            var victim = fleet.KillOne(random);
            Faults.Add(new FaultRecord(FaultRecord.Kill, victim, startedAt, DateTimeOffset.UtcNow));
            fleet.Start();
            Say($"SIGKILL {victim}; replacement started");
        }
    }

    private void Say(string message) => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0}s] {message}"));
}

/// <summary>Why a run stopped.</summary>
internal enum RunEnd
{
    /// <summary>Every row finished and every planned fault fired.</summary>
    Finished,

    /// <summary>Every row finished before every planned fault fired: the run needs more rows.</summary>
    RanOutOfRows,

    /// <summary>No row finished within the stall window.</summary>
    Stalled,

    /// <summary>The safety cap on the run's length was reached.</summary>
    CapReached,
}
