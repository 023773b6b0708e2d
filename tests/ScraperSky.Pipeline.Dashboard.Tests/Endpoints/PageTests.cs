using System.Net;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Dashboard.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Dashboard.Tests.Endpoints;

/// <summary>The pages: relative links under a path base, what they say when a service is missing, encoding, the jobs' controls.</summary>
public sealed class PageTests
{
    [Fact]
    public async Task Pages_UnderAPathBase_LinkRelativeToTheGroupAndServeTheirAssets()
    {
        await using var app = new DashboardAppFactory(
            s => s.AddSingleton<IPipelineCatalog, FakeCatalog>().AddPipelineDashboard(),
            e => e.MapPipelineDashboard("/pipeline"),
            pathBase: "/ops");
        using var client = app.Client();

        using var redirect = await client.GetAsync("/ops/pipeline");
        var html = await client.GetStringAsync("/ops/pipeline/");
        using var css = await client.GetAsync("/ops/pipeline/dashboard.css");
        using var js = await client.GetAsync("/ops/pipeline/dashboard.js");

        redirect.StatusCode.Should().Be(HttpStatusCode.Found);
        redirect.Headers.Location!.OriginalString.Should().Be("pipeline/", "relative, so a proxy's own prefix survives");
        html.Should().Contain("href=\"./dashboard.css\"").And.Contain("src=\"./dashboard.js\"").And.Contain("href=\"./workflow?name=orders\"").And.Contain("href=\"./jobs\"");
        html.Should().NotContain("href=\"/", "no link leaves the group or ignores the path base");
        css.Content.Headers.ContentType!.MediaType.Should().Be("text/css");
        (await css.Content.ReadAsStringAsync()).Should().Contain("prefers-color-scheme: dark");
        js.Content.Headers.ContentType!.MediaType.Should().Be("text/javascript");
    }

    [Fact]
    public async Task Overview_WithoutClusterOrCatalog_SaysWhatIsMissingAndShowsNoHosts()
    {
        await using var app = new DashboardAppFactory(s => s.AddPipelineDashboard(), e => e.MapPipelineDashboard());
        using var client = app.Client();

        var html = await client.GetStringAsync("/pipeline/");

        html.Should().Contain("data-missing=\"catalog\"").And.Contain("data-missing=\"cluster\"").And.Contain("pause and resume act on this host only");
        html.Should().NotContain("id=\"hosts\"");
    }

    [Fact]
    public async Task Rows_ErrorTextFromTheDatabase_IsEncoded()
    {
        await using var app = new DashboardAppFactory(s => s.AddSingleton<IPipelineCatalog, FakeCatalog>().AddSingleton<IStatusWorkflowQueues, FakeQueues>().AddPipelineDashboard(), e => e.MapPipelineDashboard());
        using var client = app.Client();

        using var response = await client.GetAsync("/pipeline/rows?name=orders&status=Error");
        var html = await response.Content.ReadAsStringAsync();

        html.Should().NotContain("<script>alert(1)</script>");
        html.Should().Contain("&lt;script&gt;alert(1)&lt;/script&gt; timeout");
        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'self'");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    [Fact]
    public async Task Rows_FiltersInTheUrl_ReachTheCatalogAndTheNextPageKeepsThem()
    {
        var catalog = new FakeCatalog { Next = "2" };
        await using var app = new DashboardAppFactory(s => s.AddSingleton<IPipelineCatalog>(catalog).AddPipelineDashboard(), e => e.MapPipelineDashboard());
        using var client = app.Client();

        var html = await client.GetStringAsync("/pipeline/rows?name=orders&status=Error&status=Queued&error=time%20out&from=2026-01-02T03:04&after=1");

        var (filter, after) = catalog.LastRowsQuery!.Value;
        filter.Statuses.Should().Equal(StatusRole.Error, StatusRole.Queued);
        filter.ErrorContains.Should().Be("time out");
        filter.UpdatedFrom.Should().Be(new DateTimeOffset(2026, 1, 2, 3, 4, 0, TimeSpan.Zero), "times in the URL are UTC");
        after.Should().Be("1");
        html.Should().Contain("href=\"./rows?name=orders&amp;status=Error&amp;status=Queued&amp;error=time%20out&amp;from=2026-01-02T03%3A04&amp;after=2\" rel=\"next\"");
        html.Should().Contain("href=\"./rows?name=orders&amp;status=Error&amp;status=Queued&amp;error=time%20out&amp;from=2026-01-02T03%3A04\">First page");
        html.Should().Contain("<input type=\"checkbox\" name=\"status\" value=\"Error\" checked>");
    }

    [Fact]
    public async Task Rows_BadTimeInTheUrl_SaysWhatIsWrong()
    {
        var catalog = new FakeCatalog();
        await using var app = new DashboardAppFactory(s => s.AddSingleton<IPipelineCatalog>(catalog).AddPipelineDashboard(), e => e.MapPipelineDashboard());
        using var client = app.Client();

        var html = await client.GetStringAsync("/pipeline/rows?name=orders&from=yesterday");

        html.Should().Contain("from &#x27;yesterday&#x27; is not a time (use 2026-01-31T13:45, UTC)");
        catalog.LastRowsQuery.Should().BeNull("nothing is read with a filter that did not parse");
    }

    [Fact]
    public async Task Workflow_Unknown_Answers404()
    {
        await using var app = new DashboardAppFactory(s => s.AddSingleton<IPipelineCatalog, FakeCatalog>().AddPipelineDashboard(), e => e.MapPipelineDashboard());
        using var client = app.Client();

        using var response = await client.GetAsync("/pipeline/workflow?name=nope");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().Contain("<h1>No workflow 'nope'</h1>");
    }

    [Fact]
    public async Task Workflow_ShowsSettingsWithTheirSources()
    {
        await using var app = new DashboardAppFactory(s => s.AddSingleton<IPipelineCatalog, FakeCatalog>().AddPipelineDashboard(), e => e.MapPipelineDashboard());
        using var client = app.Client();

        var html = await client.GetStringAsync("/pipeline/workflow?name=orders");

        html.Should().Contain("<td><code>Schedule:Interval</code></td><td>00:00:05</td><td class=\"muted\">code</td>");
        html.Should().Contain("data-live=\"w:orders:queued\">3<");
    }

    [Theory]
    [InlineData("/pipeline/")]
    [InlineData("/pipeline/workflow?name=orders")]
    public async Task WakeUpReconnecting_ShowsTheBadgeWithTheReason(string path)
    {
        const string reason = "The listening connection was lost; retrying in 1 s, polling meanwhile.";
        var catalog = new FakeCatalog { WakeUp = new WakeUpStatus { State = WakeUpState.Reconnecting, Reason = reason } };
        await using var app = new DashboardAppFactory(s => s.AddSingleton<IPipelineCatalog>(catalog).AddPipelineDashboard(), e => e.MapPipelineDashboard());
        using var client = app.Client();

        var html = await client.GetStringAsync(path);

        WakeUpBadge(html).Should().Contain($"title=\"{HtmlEncoder.Default.Encode(reason)}\"").And.Contain(">wake-up lost<").And.NotContain(" hidden");
    }

    [Theory]
    [InlineData(WakeUpState.Listening, true)]
    [InlineData(WakeUpState.Off, true)]
    [InlineData(WakeUpState.Connecting, true)]
    [InlineData(WakeUpState.PollingOnly, false)]
    public async Task WakeUpBadge_ShownOnlyWhenReconnectingOrPollingOnly(WakeUpState state, bool hidden)
    {
        var catalog = new FakeCatalog { WakeUp = new WakeUpStatus { State = state, Reason = state == WakeUpState.PollingOnly ? "Behind a transaction-mode pooler." : null } };
        await using var app = new DashboardAppFactory(s => s.AddSingleton<IPipelineCatalog>(catalog).AddPipelineDashboard(), e => e.MapPipelineDashboard());
        using var client = app.Client();

        var badge = WakeUpBadge(await client.GetStringAsync("/pipeline/"));

        if (hidden)
        {
            badge.Should().Contain(" hidden>");
        }
        else
        {
            badge.Should().NotContain(" hidden").And.Contain(">polling only<").And.Contain("title=\"Behind a transaction-mode pooler.\"");
        }
    }

    private static string WakeUpBadge(string html)
    {
        var match = Regex.Match(html, "<span class=\"badge warn\" data-live-flag=\"w:orders:wakeup\"[^>]*>.*?</span></span>");
        match.Success.Should().BeTrue("the page carries the wake-up badge of the workflow (hidden or not)");
        return match.Value;
    }

    [Fact]
    public async Task Jobs_CronJob_ShowsItsExpressionAndTimeZone()
    {
        await using var app = new DashboardAppFactory(
            s => s.AddScheduledJob("nightly-report", _ => Task.FromResult(0), o => o.Cron = "0 3 * * *").AddPipelineDashboard(),
            e => e.MapPipelineDashboard());
        using var client = app.Client();

        var html = await client.GetStringAsync("/pipeline/jobs");

        html.Should().Contain("<td>cron 0 3 * * * (UTC)</td>");
    }

    [Fact]
    public async Task Jobs_PauseAndResumeOnLoopback_ActOnTheLocalScheduler()
    {
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = new DashboardAppFactory(
            s => s.AddScheduledJob("nightly-report", _ => { ran.TrySetResult(); return Task.FromResult(1); }, o => o.Interval = TimeSpan.FromHours(1)).AddPipelineDashboard(),
            e => e.MapPipelineDashboard());
        using var client = app.Client();
        var scheduler = app.Services.GetRequiredService<IJobScheduler>();

        var (field, token) = await DashboardAppFactory.TokenAsync(client, "/pipeline/jobs");
        using var paused = await client.PostAsync("/pipeline/pause", new FormUrlEncodedContent([new("job", "nightly-report"), new("return", "./jobs"), new(field, token)]));
        var pausedState = scheduler.GetJob("nightly-report")!.State;
        var page = await client.GetStringAsync("/pipeline/jobs?notice=paused");
        using var run = await client.PostAsync("/pipeline/run", new FormUrlEncodedContent([new("job", "nightly-report"), new("return", "./jobs"), new(field, token)]));
        await ran.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var resumed = await client.PostAsync("/pipeline/resume", new FormUrlEncodedContent([new("job", "nightly-report"), new("return", "./jobs"), new(field, token)]));

        paused.StatusCode.Should().Be(HttpStatusCode.SeeOther);
        pausedState.Should().Be(ScheduledJobState.Paused);
        page.Should().Contain("Paused.").And.Contain("Resume on this host");
        run.Headers.Location!.OriginalString.Should().Be("./jobs?notice=started&rows=0");
        resumed.StatusCode.Should().Be(HttpStatusCode.SeeOther);
        scheduler.GetJob("nightly-report")!.State.Should().NotBe(ScheduledJobState.Paused);
    }
}
