using ScraperSky.SampleHost.Demo;
using ScraperSky.SampleHost.FixtureWeb;
using ScraperSky.SampleHost.Hosting;
using ScraperSky.SampleHost.Tests.Infrastructure;

namespace ScraperSky.SampleHost.Tests.Demo;

/// <summary>
/// The demo as <c>--exit-when-drained</c> runs it, on a small synthetic web (one site of every broken kind), started
/// twice on the same database: the second start changes no schema, queues nothing and reports the same summary.
/// </summary>
public sealed class DemoRunTests
{
    private static readonly Dictionary<string, string?> SmallWeb = new()
    {
        ["FixtureWeb:Sites"] = "16",
        ["FixtureWeb:Places"] = "12",
        ["FixtureWeb:Seed"] = "7",
    };

    [Fact]
    public async Task Demo_SecondStartOnSameDatabase_IsANoOp()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var options = new SampleHostOptions { ExitWhenDrained = true };

        var (firstSeeded, firstSummary) = await RunOnceAsync(connectionString, options);
        var (secondSeeded, secondSummary) = await RunOnceAsync(connectionString, options);

        firstSeeded.Should().Be((16, 12));
        firstSummary.Should().HaveCount(4).And.OnlyContain(line => System.Text.RegularExpressions.Regex.IsMatch(
            line, "^summary (process_pending_domains|process_pending_domain_sitemap_submissions|process_pending_jobs|process_sitemap_imports) queued=0 processing=0 completed=[0-9]+ error=[0-9]+$"));
        firstSummary[0].Should().Be($"summary process_pending_domains queued=0 processing=0 completed={16 - BrokenHomePages} error={BrokenHomePages}");
        secondSeeded.Should().Be((0, 0));
        secondSummary.Should().Equal(firstSummary);
    }

    // The kinds whose every path fails: their home pages end as errors.
    private static int BrokenHomePages => new SyntheticWeb(7, ".test", 16).GeneratedHosts.Count(h => new SyntheticWeb(7, ".test", 16).Site(h)!.IsBrokenEverywhere);

    private static async Task<((int, int) Seeded, IReadOnlyList<string> Summary)> RunOnceAsync(string connectionString, SampleHostOptions options)
    {
        var app = await SampleHostFixture.StartAsync(connectionString, SmallWeb, options);
        try
        {
            var seeded = await DemoSeeder.SeedAsync(app.Services, options.Domains, options.SeedsDemo);
            var drained = await DrainWatcher.WaitAsync(app.Services, Eventually.DefaultCeiling, CancellationToken.None);
            drained.Should().BeTrue("the demo must drain");
            using var output = new StringWriter();
            var summary = await SummaryPrinter.PrintAsync(app.Services, output);
            output.ToString().Should().Be(string.Join(Environment.NewLine, summary) + Environment.NewLine);
            return (seeded, summary);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
