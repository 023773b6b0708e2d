using System.Text;
using ScraperSky.Pipeline.Dashboard.Live;
using static ScraperSky.Pipeline.Dashboard.Pages.Html;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>The overview: a tile per workflow and per job of its own, the badges, and the hosts.</summary>
internal static class OverviewPage
{
    public static async Task RenderAsync(PageContext page)
    {
        var s = page.Snapshot;
        var html = new StringBuilder();
        html.Add("<h1>Overview</h1>");
        html.Add(Notices.Missing(s));
        html.Add("<section aria-labelledby=\"workflows\"><h2 id=\"workflows\">Workflows</h2>");
        if (s.HasCatalog && s.Workflows.Count == 0)
        {
            html.Add("<p class=\"muted\">No status workflows are registered.</p>");
        }

        html.Add("<div class=\"tiles\">");
        var lastHour = await HistoryCharts.LastHourAsync(page, s.Workflows.Select(w => w.Info.Name)).ConfigureAwait(false);
        foreach (var w in s.Workflows)
        {
            html.Add(WorkflowTile(w, s, HistoryCharts.Sparkline(w.Info.Name, lastHour.GetValueOrDefault(w.Info.Name))));
        }

        html.Add("</div></section>");
        var ownJobs = s.Jobs.Where(j => j.Workflow is null).ToList();
        if (ownJobs.Count > 0)
        {
            html.Add("<section aria-labelledby=\"jobs\"><h2 id=\"jobs\">Jobs</h2><div class=\"tiles\">");
            foreach (var j in ownJobs)
            {
                html.Add(JobTile(j, s));
            }

            html.Add("</div></section>");
        }

        if (s.HasCluster)
        {
            html.Add(HostsPanel(s));
        }

        await Layout.WriteAsync(page, "Overview", "overview", html.ToString()).ConfigureAwait(false);
    }

    private static string WorkflowTile(WorkflowSample w, DashboardSnapshot s, string sparkline)
    {
        var name = w.Info.Name;
        string Key(string field) => LiveKeys.Workflow(name, field);
        var link = $"./workflow?name={Q(name)}";
        var rows = $"./rows?name={Q(name)}";
        return $"<article class=\"tile\" data-workflow=\"{E(name)}\"><header><h3><a href=\"{link}\">{E(name)}</a></h3>"
            + Badge(Key("paused"), s.Flags, "paused", "info")
            + Badge(Key("stalled"), s.Flags, "stalled", "warn", "Queued rows and no progress")
            + Badge(Key("stuck"), s.Flags, $"{Shown(Key("stuck"), s.Values)} stuck", "bad", "Rows in processing past their lease")
            + WakeUpBadge(name, s.Flags, s.Values)
            + (w.Info.Enabled ? "" : "<span class=\"badge muted\" title=\"This host does not run the workflow\">disabled here</span>")
            + "</header><dl class=\"counts\">"
            + $"<div><dt><a href=\"{rows}&amp;status=Queued\">Queued</a></dt><dd>{Shown(Key("queued"), s.Values, cssClass: "queued")}</dd></div>"
            + $"<div><dt><a href=\"{rows}&amp;status=Processing\">Processing</a></dt><dd>{Shown(Key("processing"), s.Values, cssClass: "processing")}</dd></div>"
            + $"<div><dt><a href=\"{rows}&amp;status=Error\">Errors</a></dt><dd>{Shown(Key("error"), s.Values, cssClass: "errors")}</dd></div>"
            + $"<div><dt>Throughput</dt><dd><span class=\"throughput\" data-throughput=\"{E(Key("done"))}\" data-start=\"{E(s.Values.GetValueOrDefault(Key("done"), ""))}\">–</span></dd></div>"
            + $"<div><dt>Oldest queued</dt><dd>{Shown(Key("oldest"), s.Values, cssClass: "oldest")}</dd></div>"
            + $"<div><dt><a href=\"{rows}&amp;status=Completed\">Completed</a></dt><dd>{Shown(Key("completed"), s.Values, cssClass: "completed")}</dd></div>"
            + $"</dl>{sparkline}<p class=\"muted small\">{Shown(Key("state"), s.Values)} · {Shown(Key("counted"), s.Values)}</p></article>";
    }

    private static string JobTile(JobSample j, DashboardSnapshot s)
    {
        var id = j.Info.JobId;
        string Key(string field) => LiveKeys.Job(id, field);
        return $"<article class=\"tile\" data-job=\"{E(id)}\"><header><h3><a href=\"./jobs#job-{E(id)}\">{E(id)}</a></h3>"
            + Badge(Key("paused"), s.Flags, "paused", "info")
            + Badge(Key("failing"), s.Flags, "failing", "bad")
            + "</header><dl class=\"counts job\">"
            + $"<div><dt>State</dt><dd>{Shown(Key("state"), s.Values)}</dd></div>"
            + $"<div><dt>Last run</dt><dd>{Shown(Key("last"), s.Values)}</dd></div>"
            + $"<div><dt>Duration</dt><dd>{Shown(Key("duration"), s.Values)}</dd></div>"
            + $"<div><dt>Next run</dt><dd>{Shown(Key("next"), s.Values)}</dd></div>"
            + $"<div><dt>Missed</dt><dd>{Shown(Key("missed"), s.Values)}</dd></div>"
            + "</dl></article>";
    }

    public static string HostsPanel(DashboardSnapshot s)
    {
        var html = new StringBuilder("<section aria-labelledby=\"hosts\"><h2 id=\"hosts\">Hosts</h2>");
        if (s.Hosts is null)
        {
            return html.Add("<p class=\"notice warn\">The hosts could not be read; see the log.</p></section>").ToString();
        }

        html.Add("<table class=\"grid\"><thead><tr><th>Host</th><th>Machine</th><th>Version</th><th>Started</th><th>Last heartbeat</th><th>State</th></tr></thead><tbody data-live-hosts>");
        foreach (var host in s.Hosts)
        {
            html.Add("<tr>");
            foreach (var cell in LiveKeys.HostCells(host, s.TakenAt))
            {
                html.Add($"<td>{E(cell)}</td>");
            }

            html.Add("</tr>");
        }

        return html.Add("</tbody></table></section>").ToString();
    }
}

/// <summary>The notices that say which part of the operating API this host lacks, and what the page leaves out for it.</summary>
internal static class Notices
{
    public static string Missing(DashboardSnapshot s)
    {
        var html = new StringBuilder();
        if (!s.HasCatalog)
        {
            html.Add("<p class=\"notice warn\" data-missing=\"catalog\">No <code>IPipelineCatalog</code> is registered (<code>AddStatusWorkflow</code> and <code>AddScheduledJob</code> register it): workflows, counts and rows cannot be shown.</p>");
        }

        if (!s.HasCluster)
        {
            html.Add("<p class=\"notice info\" data-missing=\"cluster\">No <code>IPipelineCluster</code> is registered (<code>services.AddPipelineCluster(…)</code>): no hosts panel, and pause and resume act on this host only.</p>");
        }

        if (!s.HasScheduler)
        {
            html.Add("<p class=\"notice warn\" data-missing=\"scheduler\">No <code>IJobScheduler</code> is registered: no jobs, no pause, resume or run now.</p>");
        }

        return html.ToString();
    }
}
