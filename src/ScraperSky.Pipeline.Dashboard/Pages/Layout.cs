using System.Text;
using Microsoft.AspNetCore.Http;
using static ScraperSky.Pipeline.Dashboard.Pages.Html;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>
/// The frame of every page. Every page sits one level below the group's root (<c>/pipeline/jobs</c>,
/// <c>/pipeline/rows?…</c>), so every link is relative (<c>./jobs</c>) and the dashboard works under any path base and
/// behind a proxy that strips a prefix without saying so.
/// </summary>
internal static class Layout
{
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["paused"] = "Paused.",
        ["resumed"] = "Resumed.",
        ["started"] = "A run was started.",
        ["reset"] = "Reset {0} stuck rows: they are queued again.",
        ["nothing"] = "Nothing to do: no rows matched.",
        ["requeued"] = "Re-queued {0} rows.",
    };

    /// <summary>Writes a page with the dashboard's security headers.</summary>
    public static async Task WriteAsync(PageContext page, string title, string active, string body, int status = StatusCodes.Status200OK)
    {
        var http = page.Http;
        var html = new StringBuilder(body.Length + 2048);
        html.Add("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Add($"<meta name=\"color-scheme\" content=\"light dark\"><title>{E(title)} · {E(page.Options.Title)}</title>")
            .Add("<link rel=\"stylesheet\" href=\"./dashboard.css\">")
            .Add($"<meta name=\"pipeline-token-field\" content=\"{E(page.Tokens.FormFieldName)}\"><meta name=\"pipeline-token\" content=\"{E(page.Tokens.RequestToken)}\">")
            .Add("</head><body data-events=\"./events\">")
            .Add($"<header class=\"top\"><a class=\"brand\" href=\"./\">{E(page.Options.Title)}</a><nav>")
            .Add(Nav("./", "Overview", active == "overview")).Add(Nav("./jobs", "Jobs", active == "jobs")).Add(Nav("./errors", "Errors", active == "errors"))
            .Add("</nav><div class=\"live\"><button type=\"button\" id=\"live-toggle\" aria-pressed=\"true\">Live</button>")
            .Add($"<span id=\"live-status\" class=\"muted\">updated <span data-live-at>{E(Live.LiveKeys.Time(page.Snapshot.TakenAt))}</span></span></div></header><main>");
        if (http.Request.Query["notice"].ToString() is { Length: > 0 } notice && Notices.TryGetValue(notice, out var text))
        {
            var rows = long.TryParse(http.Request.Query["rows"], out var n) ? N(n) : "0";
            html.Add($"<p class=\"notice ok\" role=\"status\">{E(string.Format(System.Globalization.CultureInfo.InvariantCulture, text, rows))}</p>");
        }

        html.Add(body).Add("</main><script src=\"./dashboard.js\"></script></body></html>");
        Headers(http.Response);
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(html.ToString(), http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>No caching, no framing, no script or style from anywhere but the dashboard itself.</summary>
    public static void Headers(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "same-origin";
        response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
    }

    private static string Nav(string href, string text, bool active)
        => $"<a href=\"{href}\"{(active ? " aria-current=\"page\"" : "")}>{text}</a>";
}
