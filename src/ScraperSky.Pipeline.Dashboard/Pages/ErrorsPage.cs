using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using static ScraperSky.Pipeline.Dashboard.Pages.Html;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>
/// Failures grouped by workflow and normalised message (from the history): counts over 1 hour, 24 hours and 7 days,
/// first and last seen, sample keys, and re-queue of the group's error rows.
/// </summary>
internal static partial class ErrorsPage
{
    private const int Limit = 200;

    public static async Task RenderAsync(PageContext page)
    {
        var name = page.Http.Request.Query["name"].ToString() is { Length: > 0 } n ? n : null;
        var html = new StringBuilder($"<h1>Errors{(name is null ? "" : $" of {E(name)}")}</h1>");
        if (HistoryCharts.History(page) is not { } history)
        {
            html.Add(HistoryCharts.NotEnabled.Replace("this page shows them as charts", "this page lists the failures grouped by message", StringComparison.Ordinal));
            await Layout.WriteAsync(page, "Errors", "errors", html.ToString()).ConfigureAwait(false);
            return;
        }

        var now = HistoryCharts.Now(page);
        IReadOnlyList<PipelineErrorGroup> week, day, hour;
        try
        {
            week = await history.GetErrorGroupsAsync(name, now.AddDays(-7), Limit, page.Http.RequestAborted).ConfigureAwait(false);
            day = await history.GetErrorGroupsAsync(name, now.AddDays(-1), Limit, page.Http.RequestAborted).ConfigureAwait(false);
            hour = await history.GetErrorGroupsAsync(name, now.AddHours(-1), Limit, page.Http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            html.Add($"<p class=\"notice warn\" data-history-error>The history could not be read: {E(ex.Message)}</p>");
            await Layout.WriteAsync(page, "Errors", "errors", html.ToString()).ConfigureAwait(false);
            return;
        }

        if (name is not null)
        {
            html.Add("<p><a href=\"./errors\">All workflows</a></p>");
        }

        if (week.Count == 0)
        {
            html.Add("<p class=\"muted\" id=\"no-errors\">No failures in the last 7 days.</p>");
            await Layout.WriteAsync(page, "Errors", "errors", html.ToString()).ConfigureAwait(false);
            return;
        }

        static (string, string) Key(PipelineErrorGroup g) => (g.Workflow, g.Message);
        var dayCounts = day.ToDictionary(Key, g => g.Count);
        var hourCounts = hour.ToDictionary(Key, g => g.Count);
        html.Add("<table class=\"grid errors\"><thead><tr><th>Workflow</th><th>Message</th><th>1 h</th><th>24 h</th><th>7 d</th><th>First seen</th><th>Last seen</th><th>Sample keys</th><th></th></tr></thead><tbody>");
        foreach (var g in week)
        {
            html.Add($"<tr data-group=\"{E(g.Workflow)}\"><td><a href=\"./workflow?name={Q(g.Workflow)}\">{E(g.Workflow)}</a></td><td class=\"error-text\">{E(g.Message)}</td>")
                .Add($"<td>{N(hourCounts.GetValueOrDefault(Key(g)))}</td><td>{N(dayCounts.GetValueOrDefault(Key(g)))}</td><td data-count>{N(g.Count)}</td>")
                .Add($"<td>{E(RowQuery.Format(g.FirstSeen))}</td><td>{E(RowQuery.Format(g.LastSeen))}</td><td>")
                .Add(string.Join(" ", g.SampleKeys.Select(k => $"<a href=\"./rows?name={Q(g.Workflow)}&amp;key={Q(k)}\"><code>{E(k)}</code></a>")))
                .Add($"</td><td>{await RequeueLinkAsync(page, g).ConfigureAwait(false)}</td></tr>");
        }

        html.Add("</tbody></table>");
        html.Add("<p class=\"muted small\">Failed attempts, retried later or not, summed over every host; counts are kept per hour, so the 1 h and 24 h counts include the whole hour their start falls in. Times in UTC.</p>");
        await Layout.WriteAsync(page, "Errors", "errors", html.ToString()).ConfigureAwait(false);
    }

    /// <summary>
    /// The longest stretch of the normalised message that is literal text (not a folded <c>#</c>, <c>'…'</c>,
    /// <c>"…"</c> or <c>&lt;url&gt;</c>): what a row's error text contains when it failed so. Null when none is
    /// long enough to pick the group out (fewer than 3 characters) or the message is one of the history's placeholders.
    /// </summary>
    public static string? LiteralFragment(string message)
    {
        if (message is "(no message)" or "(other messages)")
        {
            return null;
        }

        var longest = Folded().Split(message).Select(f => f.Trim()).MaxBy(f => f.Length);
        return longest is { Length: >= 3 } ? longest : null;
    }

    private static async Task<string> RequeueLinkAsync(PageContext page, PipelineErrorGroup g)
    {
        if (page.Queues is null || page.Catalog?.GetWorkflow(g.Workflow) is null)
        {
            return "<span class=\"muted small\" title=\"The workflow is not registered on this host, or no IStatusWorkflowQueues is\">—</span>";
        }

        if (LiteralFragment(g.Message) is null)
        {
            return "<span class=\"muted small\" title=\"The message has no literal text to match the rows' error text by\">—</span>";
        }

        return await page.MayAsync(DashboardPermission.Requeue, g.Workflow).ConfigureAwait(false)
            ? $"<a class=\"button\" data-requeue-group href=\"./requeue-group?name={Q(g.Workflow)}&amp;message={Q(g.Message)}\">Re-queue…</a>"
            : "<button type=\"button\" disabled title=\"You may not re-queue rows here\">Re-queue…</button>";
    }

    [GeneratedRegex(@"'…'|""…""|<url>|#|…", RegexOptions.CultureInvariant)]
    private static partial Regex Folded();
}

/// <summary>Re-queue a failure group: the exact count of the rows it takes first, then the confirmation.</summary>
internal static class RequeueGroupPage
{
    /// <summary>The filter of a group's rows: error rows whose error text contains the message's longest literal fragment.</summary>
    public static StatusRowFilter? Filter(string message)
        => ErrorsPage.LiteralFragment(message) is { } fragment ? new StatusRowFilter { Statuses = [StatusRole.Error], ErrorContains = fragment } : null;

    public static async Task RenderAsync(PageContext page)
    {
        var name = page.Http.Request.Query["name"].ToString();
        var message = page.Http.Request.Query["message"].ToString();
        if (page.Snapshot.Workflow(name) is null)
        {
            await WorkflowPage.NotFoundAsync(page, name).ConfigureAwait(false);
            return;
        }

        var html = new StringBuilder($"<h1>Re-queue a failure group of {E(name)}</h1><p>Message: <code class=\"error-text\">{E(message)}</code></p>");
        if (page.Queues is not { } queues)
        {
            html.Add("<p class=\"notice info\" data-missing=\"queues\">No <code>IStatusWorkflowQueues</code> is registered: rows cannot be re-queued from the dashboard.</p>");
            await Layout.WriteAsync(page, "Re-queue", "errors", html.ToString(), StatusCodes.Status501NotImplemented).ConfigureAwait(false);
            return;
        }

        if (Filter(message) is not { } filter)
        {
            html.Add("<p class=\"notice warn\">The message has no literal text (three characters or more) to find its rows by: re-queue them from the <a href=\"./rows?name=").Add(Q(name)).Add("&amp;status=Error\">rows page</a>.</p>");
            await Layout.WriteAsync(page, "Re-queue", "errors", html.ToString(), StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        long count;
        try
        {
            count = await queues.CountAsync(name, filter, page.Http.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            html.Add($"<p class=\"notice warn\">{E(ex.Message)}</p>");
            await Layout.WriteAsync(page, "Re-queue", "errors", html.ToString(), StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var back = $"./errors?name={Q(name)}";
        var rows = $"./rows?name={Q(name)}&amp;status=Error&amp;error={Q(filter.ErrorContains)}";
        if (count == 0)
        {
            html.Add($"<p id=\"requeue-count\" data-count=\"0\">No error rows have an error text containing <code>{E(filter.ErrorContains)}</code> now: nothing to re-queue.</p><p><a href=\"{back}\">Back</a></p>");
        }
        else
        {
            html.Add($"<p id=\"requeue-count\" data-count=\"{count}\"><strong>{N(count)}</strong> error rows of {E(name)} have an error text containing <code>{E(filter.ErrorContains)}</code> (<a href=\"{rows}\">see them</a>). Re-queuing them queues them again for a new attempt.</p>");
            var fields = $"<input type=\"hidden\" name=\"message\" value=\"{E(message)}\"><input type=\"hidden\" name=\"expected\" value=\"{count}\">";
            html.Add(await page.ActionFormAsync("requeue-group", DashboardPermission.Requeue, name, "name", $"Re-queue {N(count)} rows", back, fields, "danger").ConfigureAwait(false));
            html.Add($" <a href=\"{back}\">Cancel</a>");
        }

        await Layout.WriteAsync(page, "Re-queue", "errors", html.ToString()).ConfigureAwait(false);
    }
}
