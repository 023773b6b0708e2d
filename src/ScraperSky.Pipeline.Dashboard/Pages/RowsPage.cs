using System.Text;
using ScraperSky.Pipeline.Dashboard.Live;
using static ScraperSky.Pipeline.Dashboard.Pages.Html;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>
/// A workflow's rows: filters kept in the URL, keyset paging, and bulk re-queue or cancel on the selection or on all
/// matching rows (the script asks for the exact count, shows a confirmation, then the progress).
/// </summary>
internal static class RowsPage
{
    public static async Task RenderAsync(PageContext page)
    {
        var query = RowQuery.Read(page.Http.Request.Query);
        if (page.Snapshot.Workflow(query.Name) is not { } w || page.Catalog is not { } catalog)
        {
            await WorkflowPage.NotFoundAsync(page, query.Name).ConfigureAwait(false);
            return;
        }

        var name = query.Name;
        var after = page.Http.Request.Query["after"].ToString() is { Length: > 0 } a ? a : null;
        var html = new StringBuilder($"<h1>Rows of <a href=\"./workflow?name={Q(name)}\">{E(name)}</a></h1>");
        html.Add(Filters(query, w.Info));
        var problems = query.Problems.ToList();
        StatusRowPage? rows = null;
        if (problems.Count == 0)
        {
            try
            {
                rows = await catalog.GetRowsAsync(name, query.ToFilter(), after, Math.Clamp(page.Options.PageSize, 1, 1000), page.Http.RequestAborted).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                problems.Add(ex.Message);
            }
        }

        foreach (var problem in problems)
        {
            html.Add($"<p class=\"notice bad\" role=\"alert\">{E(problem)}</p>");
        }

        if (rows is not null)
        {
            html.Add(await BulkBarAsync(page, query).ConfigureAwait(false));
            html.Add(Table(rows, w.Info));
            html.Add("<nav class=\"pager\">");
            if (after is not null)
            {
                html.Add($"<a href=\"./rows?{E(query.ToQueryString())}\">First page</a>");
            }

            if (rows.Next is { } next)
            {
                html.Add($"<a href=\"./rows?{E(query.ToQueryString())}&amp;after={Q(next)}\" rel=\"next\">Next page</a>");
            }

            html.Add("</nav>");
        }

        await Layout.WriteAsync(page, $"Rows of {name}", "overview", html.ToString()).ConfigureAwait(false);
    }

    private static string Filters(RowQuery query, StatusWorkflowInfo info)
    {
        var html = new StringBuilder("<form method=\"get\" action=\"./rows\" class=\"filters\" id=\"filters\">");
        html.Add($"<input type=\"hidden\" name=\"name\" value=\"{E(query.Name)}\"><fieldset><legend>Status</legend>");
        foreach (var role in Enum.GetValues<StatusRole>())
        {
            var isChecked = query.Statuses.Contains(role) ? " checked" : "";
            html.Add($"<label><input type=\"checkbox\" name=\"status\" value=\"{role}\"{isChecked}> {role}</label>");
        }

        html.Add("</fieldset>");
        html.Add($"<label>Key <input type=\"text\" name=\"key\" value=\"{E(query.Key)}\"></label>");
        if (info.HasErrorColumn)
        {
            html.Add($"<label>Error contains <input type=\"text\" name=\"error\" value=\"{E(query.Error)}\"></label>");
        }

        if (info.HasUpdatedAt)
        {
            html.Add($"<label>Updated from (UTC) <input type=\"datetime-local\" name=\"from\" value=\"{E(query.From is { } f ? RowQuery.Format(f) : null)}\"></label>");
            html.Add($"<label>before (UTC) <input type=\"datetime-local\" name=\"to\" value=\"{E(query.To is { } t ? RowQuery.Format(t) : null)}\"></label>");
        }

        return html.Add("<button type=\"submit\">Apply</button> <a href=\"./rows?name=").Add(Q(query.Name)).Add("\">Clear</a></form>").ToString();
    }

    private static async Task<string> BulkBarAsync(PageContext page, RowQuery query)
    {
        if (page.Queues is null)
        {
            return "<p class=\"notice info\" data-missing=\"queues\">No <code>IStatusWorkflowQueues</code> is registered: rows cannot be re-queued or cancelled.</p>";
        }

        var requeue = await page.MayAsync(DashboardPermission.Requeue, query.Name).ConfigureAwait(false);
        var cancel = await page.MayAsync(DashboardPermission.Cancel, query.Name).ConfigureAwait(false);
        string Button(string action, string scope, string label, bool allowed, DashboardPermission permission)
            => $"<button type=\"button\" data-bulk=\"{action}\" data-scope=\"{scope}\"{(allowed ? "" : $" disabled title=\"You may not {PageContext.Describe(permission)} here\"")}>{label}</button>";

        return $"<section class=\"bulk\" id=\"bulk\" data-query=\"{E(query.ToQueryString())}\" aria-label=\"Bulk actions\">"
            + Button("requeue", "selection", "Re-queue selected", requeue, DashboardPermission.Requeue)
            + Button("cancel", "selection", "Cancel selected", cancel, DashboardPermission.Cancel)
            + Button("requeue", "all", "Re-queue all matching…", requeue, DashboardPermission.Requeue)
            + Button("cancel", "all", "Cancel all matching…", cancel, DashboardPermission.Cancel)
            + "<div id=\"bulk-confirm\" class=\"confirm\" role=\"alertdialog\" aria-labelledby=\"bulk-question\" hidden><p id=\"bulk-question\"></p>"
            + "<button type=\"button\" id=\"bulk-yes\" class=\"danger\">Confirm</button> <button type=\"button\" id=\"bulk-no\">Cancel</button></div>"
            + "<p id=\"bulk-progress\" role=\"status\" aria-live=\"polite\" hidden></p></section>";
    }

    private static string Table(StatusRowPage rows, StatusWorkflowInfo info)
    {
        if (rows.Rows.Count == 0)
        {
            return "<p class=\"muted\" id=\"no-rows\">No rows match.</p>";
        }

        var html = new StringBuilder("<table class=\"grid rows\"><thead><tr><th><input type=\"checkbox\" id=\"select-all\" aria-label=\"Select all on this page\"></th><th>Key</th><th>Status</th>");
        if (info.HasErrorColumn)
        {
            html.Add("<th>Error</th>");
        }

        html.Add("<th>Attempts</th><th>Updated</th><th>Next attempt</th><th>Lease expires</th></tr></thead><tbody>");
        foreach (var row in rows.Rows)
        {
            html.Add($"<tr data-key=\"{E(row.Key)}\"><td><input type=\"checkbox\" class=\"select\" value=\"{E(row.Key)}\" aria-label=\"Select {E(row.Key)}\"></td>");
            html.Add($"<td><code>{E(row.Key)}</code></td><td><span class=\"status {E(row.Status?.ToString().ToLowerInvariant() ?? "unknown")}\">{E(row.Status?.ToString() ?? row.StatusValue)}</span></td>");
            if (info.HasErrorColumn)
            {
                html.Add($"<td class=\"error-text\">{E(row.Error)}</td>");
            }

            html.Add($"<td>{row.Attempts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "–"}</td><td>{When(row.UpdatedAt)}</td><td>{When(row.NextAttemptAt)}</td><td>{When(row.LeaseExpiresAt)}</td></tr>");
        }

        return html.Add("</tbody></table>").ToString();
    }

    private static string When(DateTimeOffset? time) => time is { } t ? E(LiveKeys.Time(t)) : "–";
}
