using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ScraperSky.Pipeline.Testing;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>
/// One harness run: a throwaway PostgreSQL, the tables and their queued rows, a fleet of worker processes, the faults
/// (SIGKILLed workers, immediate PostgreSQL restarts) fired at random points of the progress, then — once every row has
/// finished, or the timeout passed — the verdict.
/// </summary>
internal sealed class ChaosRun(ChaosSettings settings, TextWriter output)
{
    // Counting the unfinished rows reads two partial indexes; more often would take CPU from the workers on large runs.
    private static readonly TimeSpan PollPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProgressPeriod = TimeSpan.FromSeconds(5);

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(settings.Seed);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"chaos ({settings.Profile}): {settings.Items} rows ({settings.LeaseItems} lease, {settings.AtomicItems} atomic), {settings.Workers} worker processes " +
            $"(lease parallelism {settings.LeaseParallelism}, {settings.AtomicLoops} atomic loops each, batch {settings.BatchSize}, lease {settings.Lease.TotalSeconds} s), " +
            $"{settings.Kills} kills, {settings.Restarts} restarts, seed {settings.Seed}"));

        await using var postgres = await ThrowawayPostgres.StartAsync(new ThrowawayPostgresOptions { MaxConnections = 300, InstallServerIfMissing = true }, ct);
        var connectionString = await postgres.CreateDatabaseAsync("chaos", ct);
        // The harness's own connections must not come from a pool a restart fills with dead sockets.
        var harnessConnection = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 }.ConnectionString;
        await ChaosSchema.CreateAsync(harnessConnection, settings.LeaseItems, settings.AtomicItems, ct);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0}s] PostgreSQL on port {postgres.Port}, rows queued"));

        var logDirectory = Path.Combine(Path.GetTempPath(), "scrapersky-chaos-" + Guid.NewGuid().ToString("N")[..12]);
        var fleet = new WorkerFleet(
            name => new WorkerSettings(name, connectionString, Environment.ProcessId, settings.BatchSize, settings.LeaseParallelism, settings.AtomicLoops, settings.Interval, settings.Lease),
            logDirectory);
        EventHandler killAtExit = (_, _) => fleet.KillAll();
        AppDomain.CurrentDomain.ProcessExit += killAtExit;
        var restarts = 0;
        TableVerdict lease;
        TableVerdict atomic;
        try
        {
            for (var i = 0; i < settings.Workers; i++)
            {
                fleet.Start();
            }

            var faults = PlanFaults(random);
            restarts = await DriveAsync(postgres, harnessConnection, fleet, faults, random, clock, ct);
            fleet.KillAll();

            lease = await ChaosSchema.InspectAsync(harnessConnection, "lease_items", ChaosSchema.LeaseMode, settings.LeaseItems, ct);
            atomic = await ChaosSchema.InspectAsync(harnessConnection, "atomic_items", ChaosSchema.AtomicMode, settings.AtomicItems, ct);
            foreach (var (table, verdict) in new[] { ("lease_items", lease), ("atomic_items", atomic) })
            {
                Report(verdict);
                foreach (var sample in await ChaosSchema.ErrorSamplesAsync(harnessConnection, table, 5, ct))
                {
                    output.WriteLine("    error: " + sample);
                }

                var repeated = await ChaosSchema.RepeatedExecutionsAsync(harnessConnection, verdict.Mode, 8, ct);
                if (repeated.Count > 0)
                {
                    output.WriteLine("    executed more than once (first few): " + string.Join("; ", repeated));
                }
            }
        }
        finally
        {
            fleet.Dispose();
            AppDomain.CurrentDomain.ProcessExit -= killAtExit;
            if (ct.IsCancellationRequested)
            {
                // An interrupted run leaves nothing behind; a failed one keeps the workers' logs for reading.
                Directory.Delete(logDirectory, recursive: true);
            }
        }

        var extra = lease.ExtraExecutions + atomic.ExtraExecutions;
        // Work a fault can roll back: per workflow, the batch in flight plus, after a restart, one more that meets a dead
        // pooled connection. A kill hits one process; a restart hits every process.
        var faultsSeen = fleet.Kills + (restarts * settings.Workers);
        var bound = (long)faultsSeen * settings.BatchSize * (1 + settings.AtomicLoops) * 2;
        var explained = extra <= bound;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"executions: {lease.Executions + atomic.Executions} for {settings.Items} rows, {extra} extra; bound for {fleet.Kills} kills and {restarts} restarts × {settings.Workers} workers: {bound} ({(explained ? "explained" : "NOT explained by the faults")})"));

        var crashes = fleet.UnexpectedExits;
        foreach (var crash in crashes)
        {
            output.WriteLine("worker crash: " + crash);
        }

        var lost = lease.Lost + atomic.Lost;
        var doubleCompleted = lease.DoubleCompleted + atomic.DoubleCompleted;
        var stuck = lease.Stuck + atomic.Stuck;
        var failed = lost != 0 || doubleCompleted != 0 || stuck != 0 || crashes.Count != 0 || !explained
            || fleet.Kills < settings.Kills || restarts < settings.Restarts;
        if (fleet.Kills < settings.Kills || restarts < settings.Restarts)
        {
            output.WriteLine($"FAIL: the rows ran out before every planned fault fired ({fleet.Kills}/{settings.Kills} kills, {restarts}/{settings.Restarts} restarts): queue more rows.");
        }

        if (failed)
        {
            output.WriteLine("worker logs kept in " + logDirectory);
        }
        else
        {
            Directory.Delete(logDirectory, recursive: true);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"elapsed {clock.Elapsed.TotalSeconds:0.0} s"));
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"items={settings.Items} completed={lease.Completed + atomic.Completed} error={lease.ErrorWithReason + lease.ErrorWithoutReason + atomic.ErrorWithReason + atomic.ErrorWithoutReason} lost={lost} double_completed={doubleCompleted} stuck={stuck} kills={fleet.Kills} pg_restarts={restarts}"));
        return failed ? 1 : 0;
    }

    /// <summary>Kills and restarts at random points of the progress (fractions of rows finished), all before the queue runs dry.</summary>
    private List<(double At, bool Restart)> PlanFaults(Random random)
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

    /// <summary>Watches the progress, fires the faults, replaces crashed workers; returns when every row finished or at the timeout.</summary>
    private async Task<int> DriveAsync(ThrowawayPostgres postgres, string connectionString, WorkerFleet fleet, List<(double At, bool Restart)> faults, Random random, Stopwatch clock, CancellationToken ct)
    {
        var restarts = 0;
        var next = 0;
        var lastProgress = TimeSpan.Zero;
        var deadline = clock.Elapsed + settings.Timeout;
        using var timer = new PeriodicTimer(PollPeriod);
        while (await timer.WaitForNextTickAsync(ct))
        {
            fleet.ReplaceExited();
            long remaining;
            try
            {
                remaining = await ChaosSchema.RemainingAsync(connectionString, ct);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                continue; // The server is restarting.
            }

            var done = 1 - ((double)remaining / settings.Items);
            if (clock.Elapsed - lastProgress >= ProgressPeriod)
            {
                lastProgress = clock.Elapsed;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0}s] {settings.Items - remaining} of {settings.Items} finished ({done:P0}), {fleet.Count} workers"));
            }

            while (next < faults.Count && faults[next].At <= done)
            {
                // A random moment within the next few hundred milliseconds: not aligned with the poll or the workers' interval.
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 400)), ct);
                if (faults[next].Restart)
                {
                    var started = clock.Elapsed;
                    await postgres.RestartAsync(immediate: true, ct);
                    restarts++;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0}s] PostgreSQL restarted (immediate shutdown, {(clock.Elapsed - started).TotalSeconds:0.0} s down)"));
                }
                else
                {
                    var victim = fleet.KillOne(random);
                    fleet.Start();
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0}s] SIGKILL {victim}; replacement started"));
                }

                next++;
            }

            if (remaining == 0 && next == faults.Count)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0}s] every row finished"));
                break;
            }

            if (remaining == 0 || clock.Elapsed > deadline)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0}s] stopping with {remaining} rows unfinished{(remaining == 0 ? string.Empty : " (timeout)")}"));
                break;
            }
        }

        return restarts;
    }

    private void Report(TableVerdict v) => output.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"  {v.Mode,-6}: rows={v.Rows}/{v.Expected} completed={v.Completed} error={v.ErrorWithReason} error_without_reason={v.ErrorWithoutReason} queued={v.Queued} processing={v.Processing} " +
        $"completed_without_ledger={v.CompletedWithoutLedger} ledger_without_completion={v.LedgerWithoutCompletion} duplicate_key_errors={v.DuplicateKeyErrors} " +
        $"executions={v.Executions} extra={v.ExtraExecutions} completed_without_execution={v.CompletedWithoutExecution}"));
}
