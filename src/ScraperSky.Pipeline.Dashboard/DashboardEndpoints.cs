using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScraperSky.Pipeline.Dashboard.Access;
using ScraperSky.Pipeline.Dashboard.Actions;
using ScraperSky.Pipeline.Dashboard.Live;
using ScraperSky.Pipeline.Dashboard.Pages;

namespace ScraperSky.Pipeline.Dashboard;

/// <summary>The dashboard's routes inside its group. Every route passes the access gate first.</summary>
internal static class DashboardEndpoints
{
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/", Guard(RootAsync));
        group.MapGet("/jobs", Guard(Page(JobsPage.RenderAsync)));
        group.MapGet("/workflow", Guard(Page(WorkflowPage.RenderAsync)));
        group.MapGet("/rows", Guard(Page(RowsPage.RenderAsync)));
        group.MapGet("/reset-stuck", Guard(Page(ResetStuckPage.RenderAsync)));
        group.MapGet("/errors", Guard(Page(ErrorsPage.RenderAsync)));
        group.MapGet("/requeue-group", Guard(Page(RequeueGroupPage.RenderAsync)));
        group.MapGet("/events", Guard(EventsAsync));
        group.MapGet("/count", Guard(ActionEndpoints.CountAsync));
        group.MapGet("/operation", Guard(ActionEndpoints.OperationAsync));
        group.MapGet("/dashboard.css", Guard(Asset("dashboard.css", "text/css; charset=utf-8")));
        group.MapGet("/dashboard.js", Guard(Asset("dashboard.js", "text/javascript; charset=utf-8")));
        group.MapPost("/pause", Guard(http => ActionEndpoints.JobAsync(http, "pause")));
        group.MapPost("/resume", Guard(http => ActionEndpoints.JobAsync(http, "resume")));
        group.MapPost("/run", Guard(http => ActionEndpoints.JobAsync(http, "run")));
        group.MapPost("/reset-stuck", Guard(ActionEndpoints.ResetStuckAsync));
        group.MapPost("/requeue", Guard(http => ActionEndpoints.BulkAsync(http, "requeue")));
        group.MapPost("/requeue-group", Guard(ErrorGroupActions.RequeueGroupAsync));
        group.MapPost("/cancel", Guard(http => ActionEndpoints.BulkAsync(http, "cancel")));
    }

    private static RequestDelegate Guard(RequestDelegate handler) => async http =>
    {
        if (await http.RequestServices.GetRequiredService<DashboardAccess>().EnterAsync(http).ConfigureAwait(false))
        {
            await handler(http).ConfigureAwait(false);
        }
    };

    private static RequestDelegate Page(Func<PageContext, Task> render)
        => async http => await render(await PageContext.CreateAsync(http).ConfigureAwait(false)).ConfigureAwait(false);

    private static Task RootAsync(HttpContext http)
    {
        // Every link is relative to the group's root with its trailing slash: /pipeline → pipeline/ (relative, so it
        // also holds behind a proxy that strips a prefix).
        var path = http.Request.Path.Value ?? "/";
        if (!path.EndsWith('/'))
        {
            http.Response.StatusCode = StatusCodes.Status302Found;
            http.Response.Headers.Location = Uri.EscapeDataString(path[(path.LastIndexOf('/') + 1)..]) + "/";
            return Task.CompletedTask;
        }

        return Page(OverviewPage.RenderAsync)(http);
    }

    /// <summary>Server-sent events: the sampler's snapshots for as long as the page listens.</summary>
    private static async Task EventsAsync(HttpContext http)
    {
        var sampler = http.RequestServices.GetRequiredService<DashboardSampler>();
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        Layout.Headers(http.Response);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        using var listener = sampler.Listen();
        try
        {
            await http.Response.WriteAsync("retry: 3000\n\n", stop.Token).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
            await foreach (var snapshot in listener.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                await http.Response.WriteAsync("data: " + snapshot.Json + "\n\n", stop.Token).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The page closed or the host is stopping.
        }
    }

    private static RequestDelegate Asset(string name, string contentType) => async http =>
    {
        var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("ScraperSky.Pipeline.Dashboard." + name)
            ?? throw new InvalidOperationException($"The dashboard's embedded resource '{name}' is missing.");
        await using (stream.ConfigureAwait(false))
        {
            http.Response.ContentType = contentType;
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers.CacheControl = "no-cache";
            await stream.CopyToAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
        }
    };
}
