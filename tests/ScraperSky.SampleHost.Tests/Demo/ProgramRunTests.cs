using System.Diagnostics;
using System.Text.RegularExpressions;
using ScraperSky.SampleHost.Hosting;
using ScraperSky.SampleHost.Tests.Infrastructure;

namespace ScraperSky.SampleHost.Tests.Demo;

/// <summary>
/// The sample host as CI runs it, in a process of its own: <c>--exit-when-drained</c> prints exactly the four summary
/// lines and exits 0. A child process is also the only way to hand the host the seeds' environment variables
/// (<c>{PREFIX}_SCHEDULER_*</c>) without changing this test process's environment; its start-up log shows which
/// prefix each workflow read and where each setting came from.
/// </summary>
public sealed partial class ProgramRunTests
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Run_ExitWhenDrainedWithTheSeedsVariables_PrintsFourSummaryLinesAndAppliesEachPrefix()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();

        var (exitCode, output) = await RunAsync(
            ["--exit-when-drained", "--FixtureWeb:Sites=6", "--FixtureWeb:Places=4", "--FixtureWeb:Seed=3"],
            new Dictionary<string, string>
            {
                ["SCRAPERSKY_PG_CONNECTION"] = connectionString,
                ["SITEMAP_SCHEDULER_BATCH_SIZE"] = "7",
                ["DOMAIN_SCHEDULER_MAX_ATTEMPTS"] = "3",
                ["ScraperSky__Workflows__process_sitemap_imports__Parallelism"] = "2",
            });

        exitCode.Should().Be(0, output);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        lines.Where(l => l.StartsWith("summary ", StringComparison.Ordinal)).Select(l => SummaryLine().Match(l).Groups[1].Value).Should().Equal(
            ["process_pending_domains", "process_pending_domain_sitemap_submissions", "process_pending_jobs", "process_sitemap_imports"],
            "every summary line has the exact shape, one per job, drained: " + output);
        lines.Should().ContainMatch("Dashboard on http://127.0.0.1:*/pipeline/ (loopback only).", "the demo's summary says where its dashboard is");

        // Both halves of process_pending_jobs (a workflow group) read the seeds' one SITEMAP prefix.
        Settings(lines, "process_pending_jobs.deep_scans", "SITEMAP").Should().Contain("Batch:Size=7 (environment SITEMAP_SCHEDULER_BATCH_SIZE)");
        Settings(lines, "process_pending_jobs.sitemap_files", "SITEMAP").Should().Contain("Batch:Size=7 (environment SITEMAP_SCHEDULER_BATCH_SIZE)");
        var domains = Settings(lines, "process_pending_domains", "DOMAIN");
        domains.Should().Contain("Retry:MaxAttempts=3 (environment DOMAIN_SCHEDULER_MAX_ATTEMPTS)").And.Contain("Batch:Size=10 (default)")
            .And.Contain("Mode=Lease (code)").And.Contain("Schedule:Interval=00:00:00.2500000 (code)", "the demo's short safety poll");
        Settings(lines, "process_pending_domain_sitemap_submissions", "DOMAIN_SITEMAP_SUBMISSION").Should().Contain("Retry:MaxAttempts=5 (default)");
        Settings(lines, "process_sitemap_imports", "SITEMAP_IMPORT").Should().Contain("Parallelism=2 (configuration ScraperSky:Workflows:process_sitemap_imports:Parallelism)")
            .And.Contain("Batch:Size=10 (default)", "SITEMAP_SCHEDULER_* is not SITEMAP_IMPORT_SCHEDULER_*");
    }

    [GeneratedRegex("^summary ([a-z_]+) queued=0 processing=0 completed=[0-9]+ error=[0-9]+$")]
    private static partial Regex SummaryLine();

    /// <summary>The start-up log line (event 2100) with a workflow's effective settings, read from the given prefix.</summary>
    private static string Settings(string[] lines, string workflow, string prefix)
    {
        var start = $"Status workflow '{workflow}' settings (environment prefix {prefix}): ";
        return lines.SingleOrDefault(l => l.StartsWith(start, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No settings line for '{workflow}' with prefix {prefix} in:\n{string.Join('\n', lines)}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(SampleApp).Assembly.Location);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("the sample host did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Ceiling);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The sample host did not exit within {Ceiling.TotalMinutes:0} min. Output so far:\n{await stdout}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The <c>dotnet</c> host running this test, so that the child runs on the same runtime.</summary>
    private static string DotnetHost()
        => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
}
