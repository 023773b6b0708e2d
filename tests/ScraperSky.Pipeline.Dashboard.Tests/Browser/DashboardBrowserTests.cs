using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ScraperSky.Pipeline.Dashboard.Tests.Browser;

/// <summary>
/// The dashboard in a real browser against the real library: Kestrel on 127.0.0.1, the library's catalog and queues on
/// the throwaway PostgreSQL with real rows. The browser waits on page state (Playwright's expectations), never on time.
/// Screenshots of each page go to the test output's screenshots folder.
/// </summary>
public sealed class DashboardBrowserTests(Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    [Fact]
    public async Task Overview_ShowsTheWorkflowWithLiveCountsThatChangeAsRowsAreQueued()
    {
        await using var host = await DashboardHost.StartAsync(cluster: true);
        await host.ExecuteAsync("INSERT INTO orders (status, error, updated_at) SELECT 'Error', 'HTTP 503 from the shop', now() FROM generate_series(1, 2)");
        var page = await chromium.NewPageAsync();

        await page.GotoAsync(host.Page("").ToString());
        var queued = page.Locator("[data-workflow='orders'] [data-live='w:orders:queued']");
        await Expect(queued).ToHaveTextAsync("0");
        await Expect(page.Locator("[data-workflow='orders'] [data-live='w:orders:error']")).ToHaveTextAsync("2");
        await host.ExecuteAsync("INSERT INTO orders (status, updated_at) SELECT 'Queued', now() - interval '90 seconds' FROM generate_series(1, 5)");

        // No reload: the sampler's next sample reaches the open page over server-sent events.
        await Expect(queued).ToHaveTextAsync("5");
        await Expect(page.Locator("[data-workflow='orders'] [data-live='w:orders:oldest']")).ToContainTextAsync("m");
        await Expect(page.Locator("[data-live-hosts] tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-live-hosts] tr td").Last).ToHaveTextAsync("alive");
        output.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(page, "overview")}");

        var dark = await chromium.NewPageAsync(ColorScheme.Dark);
        await dark.GotoAsync(host.Page("").ToString());
        await Expect(dark.Locator("[data-live='w:orders:queued']")).ToHaveTextAsync("5");
        output.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(dark, "overview-dark")}");

        await page.ClickAsync("text=orders");
        await Expect(page.Locator("h1")).ToContainTextAsync("orders");
        await Expect(page.Locator("text=is not scheduled on this host")).ToBeVisibleAsync();
        await Expect(page.Locator("a.button", new() { HasText = "Reset stuck…" })).ToBeVisibleAsync();
        output.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(page, "workflow")}");

        await page.ClickAsync("header nav >> text=Jobs");
        await Expect(page.Locator("tr[data-job='nightly-report'] [data-live='j:nightly-report:state']")).ToHaveTextAsync("Scheduled");
        await page.ClickAsync("tr[data-job='nightly-report'] button[data-action='pause']");
        await Expect(page.Locator("p.notice.ok")).ToHaveTextAsync("Paused.");
        await Expect(page.Locator("tr[data-job='nightly-report'] [data-live='j:nightly-report:state']")).ToHaveTextAsync("Paused");
        await Expect(page.Locator("tr[data-job='nightly-report'] button[data-action='resume']")).ToHaveTextAsync("Resume on every host");
        var cluster = (IPipelineCluster)host.Services.GetService(typeof(IPipelineCluster))!;
        (await cluster.GetPausedJobsAsync()).Should().Equal("nightly-report");
        output.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(page, "jobs")}");
    }

    [Fact]
    public async Task Rows_RequeueAllMatchingFailedRows_QueuesExactlyThoseRows()
    {
        await using var host = await DashboardHost.StartAsync();
        await host.ExecuteAsync("""
            INSERT INTO orders (status, error, updated_at) SELECT 'Error', 'HTTP 503 from the shop', now() FROM generate_series(1, 4);
            INSERT INTO orders (status, error, updated_at) SELECT 'Error', 'invalid address', now() FROM generate_series(1, 1);
            INSERT INTO orders (status, updated_at) SELECT 'Completed', now() FROM generate_series(1, 3);
            """);
        var page = await chromium.NewPageAsync();

        await page.GotoAsync(host.Page("rows?name=orders&status=Error&error=503").ToString());
        await Expect(page.Locator("table.rows tbody tr")).ToHaveCountAsync(4);
        await page.ClickAsync("button[data-bulk='requeue'][data-scope='all']");
        await Expect(page.Locator("#bulk-question")).ToHaveTextAsync("Re-queue 4 matching rows?");
        output.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(page, "rows")}");
        await page.ClickAsync("#bulk-yes");
        await Expect(page.Locator("#bulk-progress[data-finished='true']")).ToContainTextAsync("Re-queued 4 rows.");

        var counts = await host.CountByStatusAsync();
        counts.Should().BeEquivalentTo(new Dictionary<string, long> { ["Queued"] = 4, ["Error"] = 1, ["Completed"] = 3 });
        await page.ClickAsync("text=Reload the list");
        await Expect(page.Locator("#no-rows")).ToBeVisibleAsync();
        await page.GotoAsync(host.Page("").ToString());
        await Expect(page.Locator("[data-live='w:orders:queued']")).ToHaveTextAsync("4");
    }

    [Fact]
    public async Task Action_Unauthorised_IsShownDisabledAndRefused()
    {
        await using var host = await DashboardHost.StartAsync(viewerOnly: true);
        await host.ExecuteAsync("INSERT INTO orders (status, error, updated_at) SELECT 'Error', 'HTTP 503 from the shop', now() FROM generate_series(1, 3)");
        var page = await chromium.NewPageAsync();

        await page.GotoAsync(host.Page("jobs").ToString());
        await Expect(page.Locator("tr[data-job='nightly-report'] button[data-action='pause']")).ToBeDisabledAsync();
        await Expect(page.Locator("tr[data-job='nightly-report'] button[data-action='run']")).ToHaveAttributeAsync("title", "You may not start a run here");
        await page.GotoAsync(host.Page("workflow?name=orders").ToString());
        await Expect(page.Locator("button", new() { HasText = "Reset stuck…" })).ToBeDisabledAsync();
        await page.GotoAsync(host.Page("rows?name=orders&status=Error").ToString());
        await Expect(page.Locator("table.rows tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("button[data-bulk='requeue'][data-scope='all']")).ToBeDisabledAsync();
        await Expect(page.Locator("button[data-bulk='requeue'][data-scope='all']")).ToHaveAttributeAsync("title", "You may not re-queue rows here");
        output.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(page, "rows-view-only")}");

        // The page's own token, posted as the page would if the button were enabled: the server refuses it too.
        var status = await page.EvaluateAsync<int>("""
            async () => {
              const body = new URLSearchParams("name=orders&status=Error&scope=all");
              body.append(document.querySelector("meta[name='pipeline-token-field']").content, document.querySelector("meta[name='pipeline-token']").content);
              const response = await fetch("./requeue", { method: "POST", body });
              return response.status;
            }
            """);

        status.Should().Be(403);
        (await host.CountByStatusAsync()).Should().BeEquivalentTo(new Dictionary<string, long> { ["Error"] = 3 });
    }
}
