using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ScraperSky.Pipeline.Testing;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>
/// One harness run: a throwaway PostgreSQL, the tables and their queued rows, a fleet of worker processes, the faults
/// (SIGKILLed workers, immediate PostgreSQL restarts) fired at random points of the progress, then — once every row has
/// finished, or progress stalled — the verdict.
/// </summary>
internal sealed class ChaosRun(ChaosSettings settings, TextWriter output)
{
    private const int StallSamples = 5;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(settings.Seed);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"chaos ({settings.Profile}): {settings.Items} rows ({settings.LeaseItems} lease, {settings.AtomicItems} atomic), {settings.Workers} worker processes " +
            $"(lease parallelism {settings.LeaseParallelism}, {settings.AtomicLoops} atomic loops each, batch {settings.BatchSize}, lease {settings.Lease.TotalSeconds} s), " +
            $"{settings.Kills} kills, {settings.Restarts} restarts, stall window {settings.StallWindow.TotalSeconds} s, seed {settings.Seed}"));
        if (settings.RecordsReturns)
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"slow work: each lease item sleeps {settings.WorkMin.TotalSeconds}–{settings.WorkMax.TotalSeconds} s, {settings.BatchSize} per claim in {settings.LeaseParallelism} lane(s), under a {settings.Lease.TotalSeconds} s lease; item timeout {ItemTimeout.TotalSeconds} s, {settings.MaxAttempts} attempts"));
        }

        await using var postgres = await ThrowawayPostgres.StartAsync(new ThrowawayPostgresOptions { MaxConnections = 300, InstallServerIfMissing = true }, ct);
        var connectionString = await postgres.CreateDatabaseAsync("chaos", ct);
        // The harness's own connections must not come from a pool a restart fills with dead sockets.
        var harnessConnection = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5 }.ConnectionString;
        await ChaosSchema.CreateAsync(harnessConnection, settings.LeaseItems, settings.AtomicItems, ct);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0}s] PostgreSQL on port {postgres.Port}, rows queued"));

        var logDirectory = Path.Combine(Path.GetTempPath(), "scrapersky-chaos-" + Guid.NewGuid().ToString("N")[..12]);
        var fleet = new WorkerFleet(
            name => new WorkerSettings(
                name, connectionString, Environment.ProcessId, settings.BatchSize, settings.LeaseParallelism, settings.AtomicLoops, settings.Interval, settings.Lease,
                ItemTimeout, settings.MaxAttempts, settings.WorkMin, settings.WorkMax),
            logDirectory);
        EventHandler killAtExit = (_, _) => fleet.KillAll();
        AppDomain.CurrentDomain.ProcessExit += killAtExit;
        var driver = new RunDriver(settings, output, postgres, harnessConnection, fleet, random, clock);
        RunEnd end;
        TableVerdict lease;
        TableVerdict atomic;
        ThrownAwayVerdict? thrownAway = null;
        try
        {
            for (var i = 0; i < settings.Workers; i++)
            {
                fleet.Start();
            }

            end = await driver.DriveAsync(ct);
            if (end is RunEnd.Stalled or RunEnd.CapReached)
            {
                // Read the stalled rows while their workers still hold them: status, lease and claim as they stand.
                await ReportStalledRowsAsync(harnessConnection, ct);
            }

            fleet.KillAll();

            await ChaosSchema.RecordFaultsAsync(harnessConnection, driver.Faults, ct);
            lease = await ChaosInspection.InspectAsync(harnessConnection, ChaosSchema.LeaseMode, settings.LeaseItems, ct);
            atomic = await ChaosInspection.InspectAsync(harnessConnection, ChaosSchema.AtomicMode, settings.AtomicItems, ct);
            foreach (var (table, verdict) in new[] { ("lease_items", lease), ("atomic_items", atomic) })
            {
                Report(verdict);
                foreach (var sample in await ChaosInspection.ErrorSamplesAsync(harnessConnection, table, 5, ct))
                {
                    output.WriteLine("    error: " + sample);
                }

                var repeated = await ChaosInspection.RepeatedExecutionsAsync(harnessConnection, verdict.Mode, 8, ct);
                if (repeated.Count > 0)
                {
                    output.WriteLine("    executed more than once (first few): " + string.Join("; ", repeated));
                }
            }

            if (settings.RecordsReturns)
            {
                thrownAway = await ChaosInspection.ThrownAwayAsync(harnessConnection, 5, ct);
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"calls returned: {thrownAway.Returned}; outcome not written: {thrownAway.ExcusedByKill} excused by a kill of their worker, {thrownAway.ExcusedByRestart} by a PostgreSQL restart, " +
                    $"{thrownAway.ThrownAway} thrown away ({thrownAway.ReturnedAfterLeaseExpiry} of them returned after their claim's lease had expired)"));
                foreach (var sample in thrownAway.Samples)
                {
                    output.WriteLine("    thrown away: " + sample);
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

        var restarts = driver.Restarts;
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
        foreach (var crash in crashes.Take(5))
        {
            output.WriteLine("worker crash: " + crash);
        }

        if (crashes.Count > 5)
        {
            output.WriteLine($"worker crash: … and {crashes.Count - 5} more");
        }

        var lost = lease.Lost + atomic.Lost;
        var unfinished = lease.Unfinished + atomic.Unfinished;
        var doubleCompleted = lease.DoubleCompleted + atomic.DoubleCompleted;
        var stuck = lease.Stuck + atomic.Stuck;
        var faultsMissing = end == RunEnd.RanOutOfRows;
        var failed = lost != 0 || unfinished != 0 || doubleCompleted != 0 || stuck != 0 || crashes.Count != 0 || !explained
            || end != RunEnd.Finished || thrownAway is { ThrownAway: > 0 };
        if (faultsMissing)
        {
            output.WriteLine($"FAIL: the rows ran out before every planned fault fired ({fleet.Kills}/{settings.Kills} kills, {restarts}/{settings.Restarts} restarts): queue more rows.");
        }

        if (end is RunEnd.Stalled or RunEnd.CapReached)
        {
            output.WriteLine($"FAIL: the run {(end == RunEnd.Stalled ? "stalled" : "reached its safety cap")} with {unfinished} rows unfinished (a stall, not lost rows: see the rows above).");
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
        var thrownAwayField = thrownAway is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" thrown_away={thrownAway.ThrownAway}");
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"items={settings.Items} completed={lease.Completed + atomic.Completed} error={lease.ErrorWithReason + lease.ErrorWithoutReason + atomic.ErrorWithReason + atomic.ErrorWithoutReason} " +
            $"lost={lost} unfinished={unfinished} double_completed={doubleCompleted} stuck={stuck} kills={fleet.Kills} pg_restarts={restarts}{thrownAwayField}"));
        return failed ? 1 : 0;
    }

    /// <summary>The lease-mode item timeout: as configured, or half the lease (items without simulated work are quick).</summary>
    private TimeSpan ItemTimeout => settings.ItemTimeout ?? settings.Lease / 2;

    private async Task ReportStalledRowsAsync(string connectionString, CancellationToken ct)
    {
        try
        {
            foreach (var row in await ChaosSchema.UnfinishedSamplesAsync(connectionString, StallSamples, ct))
            {
                output.WriteLine("    stalled: " + row);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            output.WriteLine("    stalled rows could not be read: " + ex.Message);
        }
    }

    private void Report(TableVerdict v) => output.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"  {v.Mode,-6}: rows={v.Rows}/{v.Expected} completed={v.Completed} error={v.ErrorWithReason} error_without_reason={v.ErrorWithoutReason} queued={v.Queued} processing={v.Processing} " +
        $"stuck_processing={v.StuckProcessing} went_backwards={v.WentBackwards} completed_without_ledger={v.CompletedWithoutLedger} ledger_without_completion={v.LedgerWithoutCompletion} " +
        $"duplicate_key_errors={v.DuplicateKeyErrors} executions={v.Executions} extra={v.ExtraExecutions} completed_without_execution={v.CompletedWithoutExecution}"));
}
