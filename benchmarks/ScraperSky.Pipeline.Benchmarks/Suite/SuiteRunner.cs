using System.Diagnostics;
using System.Globalization;
using ScraperSky.Pipeline.Benchmarks.ClaimCost;
using ScraperSky.Pipeline.Benchmarks.Drain;
using ScraperSky.Pipeline.Benchmarks.Idle;
using ScraperSky.Pipeline.Benchmarks.Latency;
using ScraperSky.Pipeline.Benchmarks.Micro;
using ScraperSky.Pipeline.Benchmarks.Reporting;

namespace ScraperSky.Pipeline.Benchmarks.Suite;

/// <summary>
/// The one benchmark run of issue 5: starts (or connects to) PostgreSQL, measures the five sections, writes the
/// markdown, CSV and chart under <c>benchmarks/results/</c>, and prints the two headline ratio lines last.
/// </summary>
internal static class SuiteRunner
{
    public static readonly string[] AllSections = ["drain", "latency", "claim-cost", "idle", "allocations"];

    public static async Task<int> RunAsync(BenchProfile profile, IReadOnlySet<string> sections, string outputDirectory, string command)
    {
        var clock = Stopwatch.StartNew();
        var results = new ResultSet { Profile = profile.Name, Command = command };
        // The whole run is bounded: a full run that somehow hangs stops on its own.
        using var deadline = new CancellationTokenSource(profile.Name == "quick" ? TimeSpan.FromMinutes(10) : TimeSpan.FromHours(2));
        var ct = deadline.Token;

        Console.WriteLine($"ScraperSky.Pipeline benchmarks, profile '{profile.Name}': {string.Join(", ", sections)}");
        await using (var server = await BenchServer.StartAsync(ct))
        {
            results.Server = server.Description;
            Console.WriteLine($"server: {server.Description}");

            if (sections.Contains("drain"))
            {
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] " + "1. drain throughput");
                var queue = await server.CreateDatabaseAsync("drain", ct);
                var hangfire = await server.CreateDatabaseAsync("hangfire", ct);
                var stats = await StatementStats.TryCreateAsync(server.AdminConnectionString, queue, ct);
                await new DrainBenchmark(profile, results, queue, hangfire, stats).RunAsync(ct);
            }

            if (sections.Contains("latency"))
            {
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] " + "2. pickup latency");
                var database = await server.CreateDatabaseAsync("latency", ct);
                await new PickupLatencyBenchmark(profile, results, database).RunAsync(ct);
            }

            if (sections.Contains("claim-cost"))
            {
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] " + "3. claim cost as the table grows");
                await new ClaimCostBenchmark(profile, results, server.CreateDatabaseAsync).RunAsync(ct);
            }

            if (sections.Contains("idle"))
            {
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] " + "5. idle cost");
                var database = await server.CreateDatabaseAsync("idle", ct);
                var stats = await StatementStats.TryCreateAsync(server.AdminConnectionString, database, ct);
                await new IdleCostBenchmark(profile, results, database, stats).RunAsync(ct);
            }
        }

        if (sections.Contains("allocations"))
        {
            // Last and without a server: BenchmarkDotNet's in-process runs need no database and must not share the CPU.
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds:0} s] " + "4. allocations per item in the loop's own code (BenchmarkDotNet, MemoryDiagnoser)");
            AllocationBenchmark.Run(profile, results);
        }

        results.Duration = clock.Elapsed;
        Headline.AddFindings(results);
        Directory.CreateDirectory(outputDirectory);
        var baseName = Path.Combine(outputDirectory, profile.Name);
        await File.WriteAllTextAsync(baseName + ".md", MarkdownReport.Render(results), CancellationToken.None);
        await File.WriteAllTextAsync(baseName + ".csv", CsvReport.Render(results), CancellationToken.None);
        var chart = ThroughputChart.TrySave(results, baseName + "-throughput.png");

        Console.WriteLine();
        Console.WriteLine(MarkdownReport.Render(results));
        Console.WriteLine($"wrote {baseName}.md, {baseName}.csv{(chart is null ? string.Empty : ", " + chart)} in {clock.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s");
        foreach (var line in Headline.RatioLines(results))
        {
            Console.WriteLine(line);
        }

        return 0;
    }
}
