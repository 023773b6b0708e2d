using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ScraperSky.Pipeline.Dashboard.Tests.Browser;

/// <summary>
/// The history in a real browser: the workflow drains real rows (some fail), the history is flushed through the
/// recorder's flush seam, the host stops and a new one starts on the same database, and its pages show the history;
/// a failure group is re-queued end to end.
/// </summary>
public sealed class HistoryBrowserTests(Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    [Fact]
    public async Task History_DrainedWorkflow_IsChartedAndAFailureGroupIsRequeued()
    {
        var first = await DashboardHost.StartAsync(history: true);
        var host = first;
        await host.ExecuteAsync("INSERT INTO orders (status, updated_at) SELECT 'Queued', now() FROM generate_series(1, 12)");
        var page = await chromium.NewPageAsync();

        // Orders 3, 6, 9 and 12 fail; the rest complete.
        await page.GotoAsync(host.Page("").ToString());
        await Expect(page.Locator("[data-live='w:orders:completed']")).ToHaveTextAsync("8");
        await Expect(page.Locator("[data-live='w:orders:error']")).ToHaveTextAsync("4");
        await Expect(page.Locator("[data-live='w:orders:queued']")).ToHaveTextAsync("0");
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();
        scheduler.Pause(host.Services.GetRequiredService<IPipelineCatalog>().GetWorkflow("orders")!.JobId);
        await FlushUntilAsync(host, completed: 8, failed: 4);

        // The history is in the database, not in the host: a host started afterwards charts it.
        await first.DisposeAsync();
        await using var second = await DashboardHost.StartAsync(history: true, database: first.ConnectionString);
        host = second;
        host.Services.GetRequiredService<IJobScheduler>().Pause(host.Services.GetRequiredService<IPipelineCatalog>().GetWorkflow("orders")!.JobId);
        await page.GotoAsync(host.Page("").ToString());
        await Expect(page.Locator("[data-sparkline='orders']")).ToContainTextAsync("8 done · 4 failed in 60 min");

        await page.GotoAsync(host.Page("workflow?name=orders").ToString());
        await Expect(page.Locator("svg[aria-label='Throughput (per minute)'] desc")).ToContainTextAsync(new Regex("completed: latest \\d+, highest [1-9]"));
        await Expect(page.Locator("svg[aria-label='Throughput (per minute)'] path[data-series='failed']")).ToHaveAttributeAsync("d", new Regex("^M"));
        await Expect(page.Locator("svg[aria-label='Processing time'] desc")).ToContainTextAsync("p50: latest");
        output.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(page, "workflow-history")}");
        await page.ClickAsync("nav.ranges >> text=24 hours");
        await Expect(page.Locator("nav.ranges a[aria-current='true']")).ToHaveTextAsync("24 hours");
        page.Url.Should().Contain("range=24h");
        await Expect(page.Locator("svg[aria-label='Throughput (per 15 minutes)']")).ToHaveAttributeAsync("data-points", "96");
        await Expect(page.Locator("svg[aria-label='Throughput (per 15 minutes)'] desc")).ToContainTextAsync(new Regex("completed: latest \\d+, highest [1-9]"));

        await page.ClickAsync("header nav >> text=Errors");
        var group = page.Locator("tr[data-group='orders']");
        await Expect(group).ToHaveCountAsync(1);
        await Expect(group.Locator("td.error-text")).ToHaveTextAsync("HTTP # from the shop for order #");
        await Expect(group.Locator("td[data-count]")).ToHaveTextAsync("4");
        output.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(page, "errors")}");

        await group.Locator("a[data-requeue-group]").ClickAsync();
        await Expect(page.Locator("#requeue-count")).ToHaveAttributeAsync("data-count", "4");
        await page.ClickAsync("button[data-action='requeue-group']");
        await Expect(page.Locator("p.notice.ok")).ToHaveTextAsync("Re-queued 4 rows.");

        (await host.CountByStatusAsync()).Should().BeEquivalentTo(new Dictionary<string, long> { ["Queued"] = 4, ["Completed"] = 8 });
    }

    /// <summary>
    /// Flushes the history recorder (internal to the library; its flush is the seam its own tests use) until the stored
    /// last hour holds the drained rows: a batch's outcomes reach the recorder just after its commit, which the page may see first.
    /// </summary>
    private static async Task FlushUntilAsync(DashboardHost host, long completed, long failed)
    {
        var recorderType = typeof(IPipelineHistory).Assembly.GetType("ScraperSky.Pipeline.History.HistoryRecorder", throwOnError: true)!;
        var recorder = host.Services.GetRequiredService(recorderType);
        var flush = recorderType.GetMethod("FlushAsync")!;
        var history = host.Services.GetRequiredService<IPipelineHistory>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            await (Task)flush.Invoke(recorder, [null, timeout.Token])!;
            var to = DateTimeOffset.UtcNow.AddMinutes(1);
            var points = await history.GetSeriesAsync("orders", to.AddHours(-1), to, TimeSpan.FromMinutes(1), timeout.Token);
            if (points.Sum(p => p.Completed) == completed && points.Sum(p => p.Failed) == failed)
            {
                return;
            }

            await Task.Yield();
        }
    }
}
