using System.Text;
using ScraperSky.Pipeline.Dashboard.Live;
using static ScraperSky.Pipeline.Dashboard.Pages.Html;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>Every scheduled job: schedule, last and next run, duration, missed runs, pause, resume and run now.</summary>
internal static class JobsPage
{
    public static async Task RenderAsync(PageContext page)
    {
        var s = page.Snapshot;
        var html = new StringBuilder("<h1>Jobs</h1>");
        html.Add(Notices.Missing(s));
        var scope = s.HasCluster ? "on every host" : "on this host";
        html.Add("<table class=\"grid jobs\"><thead><tr><th>Job</th><th>Schedule</th><th>State</th><th>Last run</th><th>Duration</th><th>Items</th><th>Next run</th><th>Missed</th><th>Skipped</th><th>Failures in a row</th><th>Actions</th></tr></thead><tbody>");
        foreach (var j in s.Jobs)
        {
            var id = j.Info.JobId;
            string Key(string field) => LiveKeys.Job(id, field);
            var workflow = j.Workflow is { } w ? $"<br><span class=\"muted small\">workflow <a href=\"./workflow?name={Q(w)}\">{E(w)}</a></span>" : "";
            var schedule = j.Info.Cron is { } cron ? $"cron {cron} ({j.Info.TimeZone ?? "UTC"})" : LiveKeys.Every(j.Info.Interval);
            html.Add($"<tr id=\"job-{E(id)}\" data-job=\"{E(id)}\"><td><code>{E(id)}</code>{workflow}</td><td>{E(schedule)}</td>")
                .Add($"<td>{Shown(Key("state"), s.Values)} {Badge(Key("paused"), s.Flags, "paused", "info")}</td>")
                .Add($"<td>{Shown(Key("last"), s.Values)}</td><td>{Shown(Key("duration"), s.Values)}</td><td>{Shown(Key("items"), s.Values)}</td>")
                .Add($"<td>{Shown(Key("next"), s.Values)}</td><td>{Shown(Key("missed"), s.Values)}</td><td>{Shown(Key("skipped"), s.Values)}</td><td>{Shown(Key("failures"), s.Values)}</td><td>");
            html.Add(j.Paused
                ? await page.ActionFormAsync("resume", DashboardPermission.PauseResume, id, "job", $"Resume {scope}", "./jobs").ConfigureAwait(false)
                : await page.ActionFormAsync("pause", DashboardPermission.PauseResume, id, "job", $"Pause {scope}", "./jobs").ConfigureAwait(false));
            html.Add(await page.ActionFormAsync("run", DashboardPermission.RunNow, id, "job", "Run now", "./jobs").ConfigureAwait(false));
            html.Add("</td></tr>");
        }

        html.Add("</tbody></table><p class=\"muted small\">Missed and skipped runs are counted since this host started.</p>");
        await Layout.WriteAsync(page, "Jobs", "jobs", html.ToString()).ConfigureAwait(false);
    }
}
