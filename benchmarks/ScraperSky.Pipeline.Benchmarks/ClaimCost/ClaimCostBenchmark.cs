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
internal sealed class ClaimCostBenchmark(BenchProfile profile, ResultSet results, string connectionString)
{
    public const string Section = "claim-cost";
    public const string PathSection = "claim-path";
    private const int ClaimSize = 100;
    private const int QueuedEvery = 100;

    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var rows in profile.ClaimCostRows)
        {
            var build = Stopwatch.StartNew();
            await QueueTable.BuildGrownAsync(connectionString, rows, QueuedEvery, ct);
            Console.WriteLine($"  [claim-cost] built {rows:N0} rows in {build.Elapsed.TotalSeconds:0.0} s");

            await using var dataSource = RawSql.CreateDataSource(connectionString, "claim-cost");
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var plan = await PlanAsync(connection, ct);
            var name = rows.ToString("N0", CultureInfo.InvariantCulture) + " rows";
            var times = await TimeClaimsAsync(connection, prepared: false, ct);
            AddTimes(name, rows, times, $"1% queued; plan: {plan}");

            if (rows == profile.ClaimCostRows[0])
            {
                AddTimes($"{name}, prepared", rows, await TimeClaimsAsync(connection, prepared: true, ct), "the same statement prepared: no parse/plan per claim", section: PathSection);
                AddTimes($"{name}, unprepared", rows, times, "as the library sends it", section: PathSection);
                AddTimes($"{name}, via EF Core", rows, await TimeEfClaimsAsync(ct), "FromSqlRaw(...).AsNoTracking().ToListAsync(), as RunJobLoop claims", section: PathSection);
            }
        }
    }

    private void AddTimes(string system, long rows, double[] sorted, string note, string section = Section)
    {
        results.Add(new ResultRow(section, system, "median ms", PickupLatencyBenchmark.Percentile(sorted, 0.5), Items: rows, Note: note));
        results.Add(new ResultRow(section, system, "p95 ms", PickupLatencyBenchmark.Percentile(sorted, 0.95), Items: rows, Note: note));
    }

    private async Task<double[]> TimeClaimsAsync(NpgsqlConnection connection, bool prepared, CancellationToken ct)
    {
        await using var claim = new NpgsqlCommand(LibrarySql.Sql.AtomicClaim, connection);
        claim.Parameters.Add(new NpgsqlParameter<int>(Claiming.WorkflowSql.BatchSizeParameter, ClaimSize));
        if (prepared)
        {
            await claim.PrepareAsync(ct);
        }

        var times = new List<double>();
        for (var i = -10; i < profile.ClaimCostIterations; i++)
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var started = Stopwatch.GetTimestamp();
            var claimed = await RawSql.ReadRowsAsync(claim, ClaimSize, ct);
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

    private async Task<double[]> TimeEfClaimsAsync(CancellationToken ct)
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
