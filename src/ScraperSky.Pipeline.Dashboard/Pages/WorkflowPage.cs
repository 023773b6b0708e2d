using System.Text;
using Microsoft.AspNetCore.Http;
using ScraperSky.Pipeline.Dashboard.Live;
using static ScraperSky.Pipeline.Dashboard.Pages.Html;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>One workflow: counts, its controls, its settings with their sources.</summary>
internal static class WorkflowPage
{
    public static async Task RenderAsync(PageContext page)
    {
        var name = page.Http.Request.Query["name"].ToString();
        if (page.Snapshot.Workflow(name) is not { } w)
        {
            await NotFoundAsync(page, name).ConfigureAwait(false);
            return;
        }

        var s = page.Snapshot;
        var info = w.Info;
        string Key(string field) => LiveKeys.Workflow(name, field);
        var self = $"./workflow?name={Q(name)}";
        var rows = $"./rows?name={Q(name)}";
        var html = new StringBuilder();
        html.Add($"<h1>{E(name)} ")
            .Add(Badge(Key("paused"), s.Flags, "paused", "info"))
            .Add(Badge(Key("stalled"), s.Flags, "stalled", "warn", "Queued rows and no progress"))
            .Add(Badge(Key("stuck"), s.Flags, $"{Shown(Key("stuck"), s.Values)} stuck", "bad", "Rows in processing past their lease"))
            .Add(WakeUpBadge(name, s.Flags, s.Values))
            .Add("</h1>");
        html.Add(Notices.Missing(s));
        html.Add($"<p class=\"muted\">Table <code>{E(info.Table)}</code> · key <code>{E(info.KeyColumn)}</code> · status <code>{E(info.StatusColumn)}</code> · {E(info.Mode.ToString())} mode · job <code>{E(info.JobId)}</code> · {E(info.Cron is { } cron ? "cron " + cron : LiveKeys.Every(info.Interval))}{(info.Enabled ? "" : " · disabled on this host")}</p>");
        html.Add("<dl class=\"counts wide\">");
        foreach (var (label, status, field) in new[] { ("Queued", "Queued", "queued"), ("Processing", "Processing", "processing"), ("Completed", "Completed", "completed"), ("Errors", "Error", "error") })
        {
            html.Add($"<div><dt><a href=\"{rows}&amp;status={status}\">{label}</a></dt><dd>{Shown(Key(field), s.Values, cssClass: field)}</dd></div>");
        }

        html.Add($"<div><dt>Stuck past lease</dt><dd>{Shown(Key("stuck"), s.Values)}</dd></div>");
        html.Add($"<div><dt>Oldest queued</dt><dd>{Shown(Key("oldest"), s.Values)}</dd></div>");
        html.Add($"<div><dt>Throughput</dt><dd><span class=\"throughput\" data-throughput=\"{E(Key("done"))}\" data-start=\"{E(s.Values.GetValueOrDefault(Key("done"), ""))}\">–</span></dd></div>");
        html.Add($"</dl><p class=\"muted small\">{Shown(Key("state"), s.Values)} · {Shown(Key("counted"), s.Values)} · <a href=\"{rows}\">all rows</a></p>");

        html.Add("<section class=\"controls\" aria-label=\"Controls\">");
        if (s.HasScheduler && s.Job(info.JobId) is null)
        {
            html.Add($"<p class=\"notice info\">Job <code>{E(info.JobId)}</code> is not scheduled on this host (the workflow is disabled here): pause, resume and run now are on the hosts that run it.</p>");
        }
        else if (s.HasScheduler)
        {
            var scope = s.HasCluster ? "on every host" : "on this host";
            var pause = w.Paused
                ? await page.ActionFormAsync("resume", DashboardPermission.PauseResume, info.JobId, "job", $"Resume {scope}", self).ConfigureAwait(false)
                : await page.ActionFormAsync("pause", DashboardPermission.PauseResume, info.JobId, "job", $"Pause {scope}", self).ConfigureAwait(false);
            html.Add(pause).Add(await page.ActionFormAsync("run", DashboardPermission.RunNow, info.JobId, "job", "Run now", self).ConfigureAwait(false));
        }

        if (page.Queues is not null)
        {
            var allowed = await page.MayAsync(DashboardPermission.ResetStuck, name).ConfigureAwait(false);
            html.Add(allowed
                ? $"<a class=\"button\" href=\"./reset-stuck?name={Q(name)}\">Reset stuck…</a>"
                : $"<button type=\"button\" disabled title=\"You may not reset stuck rows here\">Reset stuck…</button>");
        }
        else
        {
            html.Add("<p class=\"notice info\" data-missing=\"queues\">No <code>IStatusWorkflowQueues</code> is registered: rows cannot be re-queued, cancelled or reset.</p>");
        }

        html.Add("</section>");
        html.Add(await HistoryCharts.WorkflowSectionAsync(page, name).ConfigureAwait(false));
        html.Add("<section aria-labelledby=\"settings\"><h2 id=\"settings\">Settings</h2><table class=\"grid\"><thead><tr><th>Setting</th><th>Value</th><th>Source</th></tr></thead><tbody>");
        foreach (var setting in info.Settings)
        {
            html.Add($"<tr><td><code>{E(setting.Path)}</code></td><td>{E(setting.Value)}</td><td class=\"muted\">{E(setting.Source)}</td></tr>");
        }

        html.Add("</tbody></table></section>");
        html.Add("<section aria-labelledby=\"values\"><h2 id=\"values\">Status values</h2><p>");
        html.Add(string.Join(" · ", info.Values.OrderBy(v => v.Key).Select(v => $"{E(v.Key.ToString())} = <code>{E(v.Value)}</code>")));
        html.Add("</p></section>");
        await Layout.WriteAsync(page, name, "overview", html.ToString()).ConfigureAwait(false);
    }

    public static Task NotFoundAsync(PageContext page, string name)
        => Layout.WriteAsync(page, "Not found", "overview", $"<h1>No workflow '{E(name)}'</h1><p><a href=\"./\">Back to the overview</a></p>", StatusCodes.Status404NotFound);
}

/// <summary>Reset stuck: the count first (a dry run), then the confirmation.</summary>
internal static class ResetStuckPage
{
    public static async Task RenderAsync(PageContext page)
    {
        var name = page.Http.Request.Query["name"].ToString();
        if (page.Snapshot.Workflow(name) is null)
        {
            await WorkflowPage.NotFoundAsync(page, name).ConfigureAwait(false);
            return;
        }

        if (page.Queues is not { } queues)
        {
            await Layout.WriteAsync(page, "Reset stuck", "overview", "<h1>Reset stuck rows</h1><p class=\"notice info\" data-missing=\"queues\">No <code>IStatusWorkflowQueues</code> is registered: rows cannot be reset from the dashboard.</p>", StatusCodes.Status501NotImplemented).ConfigureAwait(false);
            return;
        }

        var count = await queues.ResetStuckAsync(name, dryRun: true, cancellationToken: page.Http.RequestAborted).ConfigureAwait(false);
        var self = $"./workflow?name={Q(name)}";
        var html = new StringBuilder($"<h1>Reset stuck rows of {E(name)}</h1>");
        if (count == 0)
        {
            html.Add($"<p>No rows are stuck in processing: nothing to reset.</p><p><a href=\"{self}\">Back</a></p>");
        }
        else
        {
            html.Add($"<p><strong data-count>{N(count)}</strong> rows are in processing past their lease (or, in atomic-batch mode, held by no open transaction). Resetting queues them again.</p>");
            html.Add(await page.ActionFormAsync("reset-stuck", DashboardPermission.ResetStuck, name, "name", $"Reset {N(count)} rows", self, $"<input type=\"hidden\" name=\"expected\" value=\"{count}\">", "danger").ConfigureAwait(false));
            html.Add($" <a href=\"{self}\">Cancel</a>");
        }

        await Layout.WriteAsync(page, "Reset stuck", "overview", html.ToString()).ConfigureAwait(false);
    }
}
