using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Dashboard.Access;
using ScraperSky.Pipeline.Dashboard.Diagnostics;
using ScraperSky.Pipeline.Dashboard.Live;
using ScraperSky.Pipeline.Dashboard.Pages;

namespace ScraperSky.Pipeline.Dashboard.Actions;

/// <summary>
/// The actions: each checks the antiforgery token and asks its own permission, then runs and is logged (who, what, how
/// many rows). A form post comes back to its page (303); a script gets JSON.
/// </summary>
internal static class ActionEndpoints
{
    private const int MaxSelection = 1000;

    /// <summary>Pause, resume or run now, for a job or a workflow's job.</summary>
    public static async Task JobAsync(HttpContext http, string action)
    {
        var form = await BeginAsync(http).ConfigureAwait(false);
        if (form is null)
        {
            return;
        }

        var jobId = form["job"].ToString();
        var permission = action == "run" ? DashboardPermission.RunNow : DashboardPermission.PauseResume;
        if (!await PermittedAsync(http, action, permission, jobId).ConfigureAwait(false))
        {
            return;
        }

        var services = http.RequestServices;
        var logger = Logger(http);
        if (services.GetService<IJobScheduler>() is not { } scheduler || scheduler.GetJob(jobId) is null)
        {
            await ProblemAsync(http, StatusCodes.Status404NotFound, $"No job '{jobId}' is scheduled on this host.").ConfigureAwait(false);
            return;
        }

        var cluster = services.GetService<IPipelineCluster>();
        var scope = cluster is null ? "this host" : "every host";
        switch (action)
        {
            case "pause" when cluster is not null:
                // The cluster pauses this host at once and the others within its pause-check interval.
                await cluster.PauseAsync(jobId, http.RequestAborted).ConfigureAwait(false);
                break;
            case "pause":
                scheduler.Pause(jobId);
                break;
            case "resume":
                if (cluster is not null)
                {
                    await cluster.ResumeAsync(jobId, http.RequestAborted).ConfigureAwait(false);
                }

                // Also a pause made on this host alone (the page shows either kind as paused), and at once here.
                scheduler.Resume(jobId);
                break;
            default:
                scope = "this host";
                var run = scheduler.RunNowAsync(jobId, CancellationToken.None);
                if (run.IsFaulted)
                {
                    await ProblemAsync(http, StatusCodes.Status409Conflict, run.Exception!.InnerException!.Message).ConfigureAwait(false);
                    return;
                }

                var who = DashboardAccess.Who(http);
                _ = run.ContinueWith(t => DashboardLog.ActionFailed(logger, t.Exception!.InnerException!, who, "run", jobId, 0), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                break;
        }

        DashboardLog.ActionPerformed(logger, DashboardAccess.Who(http), action, jobId, scope, 0);
        await DoneAsync(http, form, action switch { "pause" => "paused", "resume" => "resumed", _ => "started" }, 0).ConfigureAwait(false);
    }

    /// <summary>Reset stuck: the form carries the count the user confirmed; the result says how many were reset.</summary>
    public static async Task ResetStuckAsync(HttpContext http)
    {
        var form = await BeginAsync(http).ConfigureAwait(false);
        if (form is null)
        {
            return;
        }

        var name = form["name"].ToString();
        if (!await PermittedAsync(http, "reset-stuck", DashboardPermission.ResetStuck, name).ConfigureAwait(false) || await QueuesAsync(http, name).ConfigureAwait(false) is not { } queues)
        {
            return;
        }

        var rows = await queues.ResetStuckAsync(name, cancellationToken: http.RequestAborted).ConfigureAwait(false);
        DashboardLog.ActionPerformed(Logger(http), DashboardAccess.Who(http), "reset-stuck", name, "rows stuck past their lease", rows);
        await DoneAsync(http, form, rows == 0 ? "nothing" : "reset", rows).ConfigureAwait(false);
    }

    /// <summary>Bulk re-queue or cancel: on the selected keys or on every row matching the filters; answers the operation's id.</summary>
    public static async Task BulkAsync(HttpContext http, string action)
    {
        var form = await BeginAsync(http).ConfigureAwait(false);
        if (form is null)
        {
            return;
        }

        var query = RowQuery.Read(form);
        var permission = action == "cancel" ? DashboardPermission.Cancel : DashboardPermission.Requeue;
        if (!await PermittedAsync(http, action, permission, query.Name).ConfigureAwait(false) || await QueuesAsync(http, query.Name).ConfigureAwait(false) is null)
        {
            return;
        }

        if (query.Problems.Count > 0)
        {
            await ProblemAsync(http, StatusCodes.Status400BadRequest, string.Join("; ", query.Problems)).ConfigureAwait(false);
            return;
        }

        var who = DashboardAccess.Who(http);
        var reason = $"cancelled from the dashboard by {(http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } n } ? n : "an operator")}";
        var filter = query.ForAction(action);
        BulkOperation operation;
        if (form["scope"] == "all")
        {
            operation = http.RequestServices.GetRequiredService<BulkOperations>().Start(who, action, query.Name, "all matching " + query.ToQueryString(), (queues, progress, ct) => action == "cancel"
                ? queues.CancelAsync(query.Name, filter, reason, progress, ct)
                : queues.QueueAsync(query.Name, filter, progress, ct));
        }
        else
        {
            var keys = form["key"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).Distinct(StringComparer.Ordinal).ToList();
            if (keys.Count is 0 or > MaxSelection)
            {
                await ProblemAsync(http, StatusCodes.Status400BadRequest, $"Select between 1 and {MaxSelection} rows.").ConfigureAwait(false);
                return;
            }

            operation = http.RequestServices.GetRequiredService<BulkOperations>().Start(who, action, query.Name, $"{keys.Count} selected rows", async (queues, progress, ct) =>
            {
                foreach (var key in keys)
                {
                    var one = filter with { Key = key };
                    progress.Add(action == "cancel"
                        ? await queues.CancelAsync(query.Name, one, reason, null, ct).ConfigureAwait(false)
                        : await queues.QueueAsync(query.Name, one, null, ct).ConfigureAwait(false));
                }

                return progress.Done;
            });
        }

        await Results.Json(new { id = operation.Id }, statusCode: StatusCodes.Status202Accepted).ExecuteAsync(http).ConfigureAwait(false);
    }

    /// <summary>The exact number of rows an action on all matching rows would take.</summary>
    public static async Task CountAsync(HttpContext http)
    {
        var query = RowQuery.Read(http.Request.Query);
        if (await QueuesAsync(http, query.Name).ConfigureAwait(false) is not { } queues)
        {
            return;
        }

        if (query.Problems.Count > 0)
        {
            await ProblemAsync(http, StatusCodes.Status400BadRequest, string.Join("; ", query.Problems)).ConfigureAwait(false);
            return;
        }

        var count = await queues.CountAsync(query.Name, query.ForAction(http.Request.Query["action"].ToString()), http.RequestAborted).ConfigureAwait(false);
        Layout.Headers(http.Response);
        await Results.Json(new { count }).ExecuteAsync(http).ConfigureAwait(false);
    }

    /// <summary>An operation's progress.</summary>
    public static async Task OperationAsync(HttpContext http)
    {
        var operation = http.RequestServices.GetRequiredService<BulkOperations>().Get(http.Request.Query["id"].ToString());
        if (operation is null)
        {
            await ProblemAsync(http, StatusCodes.Status404NotFound, "No such operation (operations are kept until the host restarts, the last 100 of them).").ConfigureAwait(false);
            return;
        }

        Layout.Headers(http.Response);
        await Results.Json(new { done = operation.Done, finished = operation.Finished, error = operation.Error }).ExecuteAsync(http).ConfigureAwait(false);
    }

    /// <summary>Checks the antiforgery token and reads the form; answers 400 and returns null when either fails.</summary>
    internal static async Task<IFormCollection?> BeginAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            await ProblemAsync(http, StatusCodes.Status415UnsupportedMediaType, "Actions are form posts (application/x-www-form-urlencoded) with the page's antiforgery token.").ConfigureAwait(false);
            return null;
        }

        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            DashboardLog.Refused(Logger(http), DashboardAccess.Who(http), http.Request.Path, "-", "missing or invalid antiforgery token");
            await ProblemAsync(http, StatusCodes.Status400BadRequest, "The antiforgery token is missing or invalid: reload the page and try again.").ConfigureAwait(false);
            return null;
        }

        return await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
    }

    internal static async Task<bool> PermittedAsync(HttpContext http, string action, DashboardPermission permission, string target)
    {
        if (await http.RequestServices.GetRequiredService<DashboardAccess>().IsAllowedAsync(http, permission, target).ConfigureAwait(false))
        {
            return true;
        }

        DashboardLog.Refused(Logger(http), DashboardAccess.Who(http), action, target, $"no {permission} permission");
        await ProblemAsync(http, StatusCodes.Status403Forbidden, $"You may not {PageContext.Describe(permission)} on '{target}'.").ConfigureAwait(false);
        return false;
    }

    internal static async Task<IStatusWorkflowQueues?> QueuesAsync(HttpContext http, string workflow)
    {
        var services = http.RequestServices;
        if (services.GetService<IStatusWorkflowQueues>() is not { } queues)
        {
            await ProblemAsync(http, StatusCodes.Status501NotImplemented, "No IStatusWorkflowQueues is registered on this host: rows cannot be changed from the dashboard.").ConfigureAwait(false);
            return null;
        }

        if (services.GetService<IPipelineCatalog>()?.GetWorkflow(workflow) is null)
        {
            await ProblemAsync(http, StatusCodes.Status404NotFound, $"No workflow '{workflow}' is registered on this host.").ConfigureAwait(false);
            return null;
        }

        return queues;
    }

    /// <summary>Back to the page the form came from (a relative address inside the dashboard only), or JSON.</summary>
    internal static async Task DoneAsync(HttpContext http, IFormCollection form, string notice, long rows)
    {
        http.RequestServices.GetRequiredService<DashboardSampler>().Invalidate();
        var back = form["return"].ToString();
        if (back.StartsWith("./", StringComparison.Ordinal) && !back.Contains("//", StringComparison.Ordinal) && !back.Contains('\\', StringComparison.Ordinal))
        {
            var separator = back.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            http.Response.StatusCode = StatusCodes.Status303SeeOther;
            http.Response.Headers.Location = $"{back}{separator}notice={notice}&rows={rows.ToString(CultureInfo.InvariantCulture)}";
            return;
        }

        await Results.Json(new { notice, rows }).ExecuteAsync(http).ConfigureAwait(false);
    }

    internal static Task ProblemAsync(HttpContext http, int status, string message)
    {
        Layout.Headers(http.Response);
        return Results.Json(new { error = message }, statusCode: status).ExecuteAsync(http);
    }

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ScraperSky.Pipeline.Dashboard");
}
