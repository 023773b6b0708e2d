using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Dashboard.Pages;
using ScraperSky.Pipeline.Dashboard.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Dashboard.Tests.Endpoints;

/// <summary>The history on the pages: charts, sparklines, the errors page and re-queue of a failure group; with and without history registered.</summary>
public sealed class HistoryPageTests
{
    private readonly FakeQueues _queues = new() { CountResult = 7, ChangedRows = 7 };
    private readonly FakeHistory _history = new();

    private DashboardAppFactory App(bool history, Func<DashboardAuthorizationContext, ValueTask<bool>>? authorize = null)
        => new(
            s =>
            {
                s.AddSingleton<IPipelineCatalog, FakeCatalog>().AddSingleton<IStatusWorkflowQueues>(_queues).AddPipelineDashboard(o => o.Authorize = authorize);
                if (history)
                {
                    s.AddSingleton<IPipelineHistory>(_history);
                }
            },
            e => e.MapPipelineDashboard("/pipeline").RequireAuthorization("ops"));

    private static ValueTask<bool> Everything(DashboardAuthorizationContext c) => ValueTask.FromResult(true);

    [Fact]
    public async Task Pages_WithoutHistory_ShowNoChartsAndSayHowToEnableIt()
    {
        await using var app = App(history: false);
        using var client = app.Client("ada");

        var workflow = await client.GetStringAsync("/pipeline/workflow?name=orders");
        var overview = await client.GetStringAsync("/pipeline/");
        var errors = await client.GetStringAsync("/pipeline/errors");

        workflow.Should().Contain("data-missing=\"history\"").And.Contain("services.AddPipelineHistory()").And.NotContain("<svg");
        overview.Should().NotContain("data-sparkline");
        errors.Should().Contain("data-missing=\"history\"").And.NotContain("<table");
    }

    [Fact]
    public async Task WorkflowPage_WithHistory_ChartsTheRangeInTheUrl()
    {
        await using var app = App(history: true);
        using var client = app.Client("ada");

        var hour = await client.GetStringAsync("/pipeline/workflow?name=orders");
        var week = await client.GetStringAsync("/pipeline/workflow?name=orders&range=7d");

        Regex.Matches(hour, "<figure class=\"chart\">").Should().HaveCount(4);
        hour.Should().Contain("<title>Throughput (per minute)</title>").And.Contain("<title>Wait time in the queue</title>").And.Contain("<title>Processing time</title>");
        hour.Should().Contain("data-points=\"60\"").And.Contain("completed: latest 5, highest 5").And.Contain("p95: latest 2 s, highest 2 s");
        hour.Should().Contain("href=\"./workflow?name=orders&amp;range=24h#history\"").And.Contain("data-range=\"1h\" aria-current=\"true\"");
        week.Should().Contain("data-points=\"84\"").And.Contain("data-range=\"7d\" aria-current=\"true\"");
        var asked = _history.SeriesCalls.ToList();
        asked.Should().HaveCount(2);
        asked[0].Step.Should().Be(TimeSpan.FromMinutes(1));
        (asked[0].To - asked[0].From).Should().Be(TimeSpan.FromHours(1));
        asked[1].Step.Should().Be(TimeSpan.FromHours(2));
        (asked[1].To - asked[1].From).Should().Be(TimeSpan.FromDays(7));
    }

    [Theory]
    [InlineData("1h", "2026-01-31T12:48:00Z", "2026-01-31T13:48:00Z", 1)]
    [InlineData("24h", "2026-01-30T14:00:00Z", "2026-01-31T14:00:00Z", 15)]
    [InlineData("7d", "2026-01-24T14:00:00Z", "2026-01-31T14:00:00Z", 120)]
    [InlineData("bogus", "2026-01-31T12:48:00Z", "2026-01-31T13:48:00Z", 1)]
    public async Task WorkflowPage_Range_EndsWithTheStepNowFallsIn(string range, string from, string to, int stepMinutes)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-31T13:47:30Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var app = new DashboardAppFactory(
            s => s.AddSingleton<TimeProvider>(time).AddSingleton<IPipelineCatalog, FakeCatalog>().AddSingleton<IPipelineHistory>(_history).AddPipelineDashboard(),
            e => e.MapPipelineDashboard("/pipeline").RequireAuthorization("ops"));
        using var client = app.Client("ada");

        var html = await client.GetStringAsync("/pipeline/workflow?name=orders&range=" + range);

        var asked = _history.SeriesCalls.Should().ContainSingle().Subject;
        asked.From.Should().Be(DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture));
        asked.To.Should().Be(DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture));
        asked.Step.Should().Be(TimeSpan.FromMinutes(stepMinutes));
        html.Should().Contain($"data-range=\"{(range == "bogus" ? "1h" : range)}\" aria-current=\"true\"");
    }

    [Fact]
    public async Task Overview_WithHistory_ShowsASparklineOfTheLastHourPerTile()
    {
        await using var app = App(history: true);
        using var client = app.Client("ada");

        var html = await client.GetStringAsync("/pipeline/");

        html.Should().Contain("data-sparkline=\"orders\"").And.Contain("orders, last 60 minutes: 300 completed, 60 failed");
        _history.SeriesCalls.Should().ContainSingle().Which.Step.Should().Be(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task ErrorsPage_WithHistory_ListsGroupsWithTheirCountsSampleKeysAndEncodedMessages()
    {
        await using var app = App(history: true, Everything);
        using var client = app.Client("ada");

        var html = await client.GetStringAsync("/pipeline/errors");

        html.Should().Contain("&lt;script&gt;timeout after # s fetching &#x27;&#x2026;&#x27;").And.NotContain("<script>timeout");
        var row = Regex.Match(html, "<tr data-group=\"orders\">.*?</tr>").Value;
        Regex.Matches(row, "<td(?: data-count)?>(\\d+)</td>").Select(m => m.Groups[1].Value).Should().Equal("1", "4", "9");
        row.Should().Contain("href=\"./rows?name=orders&amp;key=42\"").And.Contain("href=\"./requeue-group?name=orders&amp;message=%3Cscript%3Etimeout%20after%20%23%20s%20fetching%20%27%E2%80%A6%27\"");
    }

    [Fact]
    public async Task RequeueGroup_CountsFirstThenRequeuesTheGroupsErrorRowsAndLogs()
    {
        await using var app = App(history: true, Everything);
        using var client = app.Client("grace; ops-admin");
        var message = "<script>timeout after # s fetching '…'";

        var confirm = await client.GetStringAsync("/pipeline/requeue-group?name=orders&message=" + Uri.EscapeDataString(message));
        var (field, token) = await DashboardAppFactory.TokenAsync(client, "/pipeline/errors");
        using var response = await client.PostAsync("/pipeline/requeue-group", new FormUrlEncodedContent([new("name", "orders"), new("message", message), new("return", "./errors?name=orders"), new(field, token)]));

        confirm.Should().Contain("data-count=\"7\"").And.Contain("Re-queue 7 rows");
        var count = _queues.Calls.Should().Contain(c => c.Call == "count").Subject;
        count.Filter.Statuses.Should().Equal(StatusRole.Error);
        count.Filter.ErrorContains.Should().Be("<script>timeout after", "the longest literal fragment of the message");
        response.StatusCode.Should().Be(HttpStatusCode.SeeOther);
        response.Headers.Location!.OriginalString.Should().Be("./errors?name=orders&notice=requeued&rows=7");
        var queue = _queues.Calls.Should().ContainSingle(c => c.Call == "queue").Subject;
        queue.Filter.Statuses.Should().Equal(StatusRole.Error);
        queue.Filter.ErrorContains.Should().Be("<script>timeout after");
        app.Logs.Entries.Should().Contain(e => e.Id.Id == 8001 && e.Message.Contains("grace") && e.Message.Contains("requeue") && e.Message.Contains(": 7 rows"));
        (await client.GetStringAsync(response.Headers.Location.OriginalString.Replace("./", "/pipeline/"))).Should().Contain("Re-queued 7 rows.");
    }

    [Fact]
    public async Task RequeueGroup_WithoutPermissionOrToken_IsRefusedAndQueuesNothing()
    {
        await using var app = App(history: true);
        using var client = app.Client("ada");

        var errors = await client.GetStringAsync("/pipeline/errors");
        var (field, token) = await DashboardAppFactory.TokenAsync(client, "/pipeline/errors");
        using var refused = await client.PostAsync("/pipeline/requeue-group", new FormUrlEncodedContent([new("name", "orders"), new("message", "HTTP # from the shop"), new(field, token)]));
        using var noToken = await client.PostAsync("/pipeline/requeue-group", new FormUrlEncodedContent([new("name", "orders"), new("message", "HTTP # from the shop")]));

        errors.Should().Contain("<button type=\"button\" disabled title=\"You may not re-queue rows here\">Re-queue…</button>");
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        noToken.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        _queues.Calls.Should().NotContain(c => c.Call == "queue");
    }

    [Fact]
    public async Task Pages_HistoryThatCannotBeRead_SayWhyAndRenderTheRest()
    {
        await using var app = new DashboardAppFactory(
            s => s.AddSingleton<IPipelineCatalog, FakeCatalog>().AddSingleton<IPipelineHistory>(new BrokenHistory()).AddPipelineDashboard(),
            e => e.MapPipelineDashboard("/pipeline").RequireAuthorization("ops"));
        using var client = app.Client("ada");

        using var workflow = await client.GetAsync("/pipeline/workflow?name=orders");
        var overview = await client.GetStringAsync("/pipeline/");
        var errors = await client.GetStringAsync("/pipeline/errors");

        workflow.StatusCode.Should().Be(HttpStatusCode.OK);
        (await workflow.Content.ReadAsStringAsync()).Should().Contain("data-history-error>The history could not be read: relation &quot;pipeline_history&quot; does not exist").And.Contain("id=\"settings\"");
        overview.Should().Contain("data-workflow=\"orders\"").And.NotContain("data-sparkline");
        errors.Should().Contain("data-history-error>");
    }

    [Theory]
    [InlineData("timeout after # s fetching '…'", "timeout after")]
    [InlineData("HTTP # (Not Found) from <url>", "(Not Found) from")]
    [InlineData("# #", null)]
    [InlineData("(other messages)", null)]
    [InlineData("(no message)", null)]
    public void LiteralFragment_IsTheLongestUnfoldedStretch(string message, string? expected)
        => ErrorsPage.LiteralFragment(message).Should().Be(expected);

    /// <summary>A history whose store is missing.</summary>
    private sealed class BrokenHistory : IPipelineHistory
    {
        public Task<IReadOnlyList<PipelineHistoryPoint>> GetSeriesAsync(string workflowName, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException("relation \"pipeline_history\" does not exist");

        public Task<IReadOnlyList<PipelineErrorGroup>> GetErrorGroupsAsync(string? workflowName, DateTimeOffset since, int limit = 100, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException("relation \"pipeline_history\" does not exist");
    }

    /// <summary>A history with a steady series (5 completed, 1 failed a step, waits of 2 s at p95) and one error group.</summary>
    private sealed class FakeHistory : IPipelineHistory
    {
        public ConcurrentQueue<(string Workflow, DateTimeOffset From, DateTimeOffset To, TimeSpan Step)> SeriesCalls { get; } = new();

        public Task<IReadOnlyList<PipelineHistoryPoint>> GetSeriesAsync(string workflowName, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken cancellationToken = default)
        {
            SeriesCalls.Enqueue((workflowName, from, to, step));
            var durations = new PipelineDurations { Count = 6, P50 = TimeSpan.FromMilliseconds(400), P95 = TimeSpan.FromSeconds(2), Max = TimeSpan.FromSeconds(3) };
            var points = Enumerable.Range(0, (int)((to - from) / step))
                .Select(i => new PipelineHistoryPoint { Start = from + (step * i), Completed = 5, Failed = 1, Retried = 0, Snoozed = 0, Rescued = 0, Wait = durations, Processing = durations })
                .ToList();
            return Task.FromResult<IReadOnlyList<PipelineHistoryPoint>>(points);
        }

        public Task<IReadOnlyList<PipelineErrorGroup>> GetErrorGroupsAsync(string? workflowName, DateTimeOffset since, int limit = 100, CancellationToken cancellationToken = default)
        {
            var age = DateTimeOffset.UtcNow - since;
            var count = age < TimeSpan.FromHours(2) ? 1 : age < TimeSpan.FromDays(2) ? 4 : 9;
            IReadOnlyList<PipelineErrorGroup> groups =
            [
                new PipelineErrorGroup
                {
                    Workflow = "orders",
                    Message = "<script>timeout after # s fetching '…'",
                    Count = count,
                    FirstSeen = DateTimeOffset.UtcNow.AddDays(-3),
                    LastSeen = DateTimeOffset.UtcNow.AddMinutes(-5),
                    SampleKeys = ["42", "41"],
                },
            ];
            return Task.FromResult(groups);
        }
    }
}

/// <summary>The inline SVG charts.</summary>
public sealed class SvgChartTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(0.4, 1)]
    [InlineData(7, 10)]
    [InlineData(11, 20)]
    [InlineData(480, 500)]
    [InlineData(2000, 2000)]
    public void NiceMax_RoundsUpToOneTwoOrFiveTimesAPowerOfTen(double max, double expected)
        => SvgChart.NiceMax(max).Should().Be(expected);

    [Fact]
    public void Line_GapsSplitTheLineAndALoneValueIsADot()
    {
        var times = Enumerable.Range(0, 5).Select(i => DateTimeOffset.UnixEpoch.AddMinutes(i)).ToList();

        var svg = SvgChart.Line("Wait <time>", times, [new ChartSeries("p50", "p50", [1, 2, null, 4, null])], v => v.ToString(System.Globalization.CultureInfo.InvariantCulture), "HH:mm");

        svg.Should().Contain("<title>Wait &lt;time&gt;</title>").And.Contain("p50: latest 4, highest 4");
        Regex.Match(svg, "data-series=\"p50\" d=\"([^\"]*)\"").Groups[1].Value.Should().MatchRegex("^M[^M]+ L[^M]+ M[^ML]+$", "two points joined, a gap, one point alone");
        Regex.Matches(svg, "<circle ").Should().ContainSingle("only the lone value needs a dot");
        svg.Should().Contain(">00:00<").And.Contain(">00:04<");
    }
}
