using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ScraperSky.Pipeline.Benchmarks.Drain;
using ScraperSky.Pipeline.Benchmarks.Latency;
using ScraperSky.Pipeline.Benchmarks.Reporting;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.ClaimCost;

/// <summary>
/// Section 3, claim cost as the table grows: tables of 10k to 10M rows with 1% queued spread over the key range; time
/// per claim of 100 with the library's own claim statement, sent as the library sends it (unprepared), the rows read,
/// then rolled back so that every claim sees the same table. Flat is the goal: the partial index makes a claim
/// proportional to the batch, not to the table. At the smallest size the claim is also timed prepared and through EF
/// Core (the library's materialisation path), which shows what planning and materialisation add to one claim.
/// </summary>
internal sealed class ClaimCostBenchmark(BenchProfile profile, ResultSet results, Func<string, CancellationToken, Task<string>> createDatabase)
{
    public const string Section = "claim-cost";
    public const string PathSection = "claim-path";
    private const int ClaimSize = 100;
    private const int QueuedEvery = 100;

    public async Task RunAsync(CancellationToken ct)
    {
        // One database per size, all built first; then the claims go round-robin over the sizes, so that a slow
        // second of the shared disk or CPU lands on every size alike instead of on whichever size ran then.
        var tables = new List<(long Rows, string ConnectionString, NpgsqlDataSource DataSource, NpgsqlConnection Connection, NpgsqlCommand Claim, List<double> Times)>();
        try
        {
            foreach (var rows in profile.ClaimCostRows)
            {
                var connectionString = await createDatabase($"claim_{rows}", ct);
                var build = Stopwatch.StartNew();
                await QueueTable.BuildGrownAsync(connectionString, rows, QueuedEvery, ct);
                Console.WriteLine($"  [claim-cost] built {rows:N0} rows in {build.Elapsed.TotalSeconds:0.0} s");
                var dataSource = RawSql.CreateDataSource(connectionString, "claim-cost");
                var connection = await dataSource.OpenConnectionAsync(ct);
                var claim = new NpgsqlCommand(LibrarySql.Sql.AtomicClaim, connection);
                claim.Parameters.Add(new NpgsqlParameter<int>(Claiming.WorkflowSql.BatchSizeParameter, ClaimSize));
                tables.Add((rows, connectionString, dataSource, connection, claim, []));
            }

            for (var i = -10; i < profile.ClaimCostIterations; i++)
            {
                foreach (var table in tables)
                {
                    var elapsed = await TimeClaimAsync(table.Connection, table.Claim, ct);
                    if (i >= 0)
                    {
                        table.Times.Add(elapsed);
                    }
                }
            }

            foreach (var table in tables)
            {
                var plan = await PlanAsync(table.Connection, ct);
                AddTimes(table.Rows.ToString("N0", CultureInfo.InvariantCulture) + " rows", table.Rows, [.. table.Times.Order()], $"1% queued; plan: {plan}");
            }

            // What planning and EF Core's materialisation add to one claim, on the smallest table.
            var smallest = tables[0];
            var name = smallest.Rows.ToString("N0", CultureInfo.InvariantCulture) + " rows";
            await using (var prepared = new NpgsqlCommand(LibrarySql.Sql.AtomicClaim, smallest.Connection))
            {
                prepared.Parameters.Add(new NpgsqlParameter<int>(Claiming.WorkflowSql.BatchSizeParameter, ClaimSize));
                await prepared.PrepareAsync(ct);
                AddTimes($"{name}, prepared", smallest.Rows, await RepeatAsync(() => TimeClaimAsync(smallest.Connection, prepared, ct)), "the same statement prepared: no parse/plan per claim", PathSection);
            }

            AddTimes($"{name}, unprepared", smallest.Rows, await RepeatAsync(() => TimeClaimAsync(smallest.Connection, smallest.Claim, ct)), "as the library sends it", PathSection);
            AddTimes($"{name}, via EF Core", smallest.Rows, await TimeEfClaimsAsync(smallest.ConnectionString, ct), "FromSqlRaw(...).AsNoTracking().ToListAsync(): how the library claims entities its own row reader does not read", PathSection);
        }
        finally
        {
            foreach (var table in tables)
            {
                await table.Claim.DisposeAsync();
                await table.Connection.DisposeAsync();
                await table.DataSource.DisposeAsync();
            }
        }
    }

    private async Task<double[]> RepeatAsync(Func<Task<double>> once)
    {
        var times = new List<double>();
        for (var i = -10; i < profile.ClaimCostIterations; i++)
        {
            var elapsed = await once();
            if (i >= 0)
            {
                times.Add(elapsed);
            }
        }

        return [.. times.Order()];
    }

    /// <summary>One claim of 100 in a transaction that is rolled back, so every claim sees the same table.</summary>
    private static async Task<double> TimeClaimAsync(NpgsqlConnection connection, NpgsqlCommand claim, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var started = Stopwatch.GetTimestamp();
        var claimed = await RawSql.ReadRowsAsync(claim, ClaimSize, ct);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await transaction.RollbackAsync(ct);
        EnsureFull(claimed.Count);
        return elapsed;
    }

    private void AddTimes(string system, long rows, double[] sorted, string note, string section = Section)
    {
        results.Add(new ResultRow(section, system, "median ms", PickupLatencyBenchmark.Percentile(sorted, 0.5), Items: rows, Note: note));
        results.Add(new ResultRow(section, system, "p95 ms", PickupLatencyBenchmark.Percentile(sorted, 0.95), Items: rows, Note: note));
    }

    private async Task<double[]> TimeEfClaimsAsync(string connectionString, CancellationToken ct)
    {
        var options = new DbContextOptionsBuilder<BenchDb>();
        BenchDb.Configure(options, connectionString);
        var times = new List<double>();
        for (var i = -10; i < profile.ClaimCostIterations; i++)
        {
            await using var db = new BenchDb(options.Options);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var started = Stopwatch.GetTimestamp();
            var claimed = await db.Domains
                .FromSqlRaw(LibrarySql.Sql.AtomicClaim, new NpgsqlParameter(Claiming.WorkflowSql.BatchSizeParameter, ClaimSize))
                .AsNoTracking()
                .ToListAsync(ct);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await transaction.RollbackAsync(ct);
            EnsureFull(claimed.Count);
            if (i >= 0)
            {
                times.Add(elapsed);
            }
        }

        return [.. times.Order()];
    }

    private static async Task<string> PlanAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var explain = new NpgsqlCommand("EXPLAIN " + LibrarySql.Sql.AtomicClaim.Replace("@" + Claiming.WorkflowSql.BatchSizeParameter, ClaimSize.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), connection);
        await using var reader = await explain.ExecuteReaderAsync(ct);
        var lines = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            lines.Add(reader.GetString(0));
        }

        var scan = lines.FirstOrDefault(l => l.Contains("Scan", StringComparison.Ordinal)) ?? lines.FirstOrDefault() ?? "?";
        var trimmed = scan.Trim().TrimStart('-', '>', ' ');
        var cost = trimmed.IndexOf("  (cost", StringComparison.Ordinal);
        return cost > 0 ? trimmed[..cost] : trimmed;
    }

    private static void EnsureFull(int claimed)
    {
        if (claimed != ClaimSize)
        {
            throw new InvalidOperationException($"A claim returned {claimed} rows instead of {ClaimSize}; the claim-cost table is not in the expected state.");
        }
    }
}
