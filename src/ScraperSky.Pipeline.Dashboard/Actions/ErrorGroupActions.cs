using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Dashboard.Access;
using ScraperSky.Pipeline.Dashboard.Pages;

namespace ScraperSky.Pipeline.Dashboard.Actions;

/// <summary>
/// Re-queue a failure group from the errors page: the same antiforgery check, re-queue permission and audit log as the
/// rows page's bulk re-queue (it runs as a bulk operation), waited for so the page comes back with the count.
/// </summary>
internal static class ErrorGroupActions
{
    public static async Task RequeueGroupAsync(HttpContext http)
    {
        var form = await ActionEndpoints.BeginAsync(http).ConfigureAwait(false);
        if (form is null)
        {
            return;
        }

        var name = form["name"].ToString();
        if (!await ActionEndpoints.PermittedAsync(http, "requeue", DashboardPermission.Requeue, name).ConfigureAwait(false)
            || await ActionEndpoints.QueuesAsync(http, name).ConfigureAwait(false) is null)
        {
            return;
        }

        if (RequeueGroupPage.Filter(form["message"].ToString()) is not { } filter)
        {
            await ActionEndpoints.ProblemAsync(http, StatusCodes.Status400BadRequest, "The group's message has no literal text to find its rows by.").ConfigureAwait(false);
            return;
        }

        var operation = http.RequestServices.GetRequiredService<BulkOperations>().Start(
            DashboardAccess.Who(http), "requeue", name, $"error rows whose error contains '{filter.ErrorContains}'", (queues, progress, ct) => queues.QueueAsync(name, filter, progress, ct));

        // The operation goes on if the request is aborted; the page waits for it to answer with the count.
        await operation.Task.WaitAsync(http.RequestAborted).ConfigureAwait(false);
        if (operation.Error is { } error)
        {
            await ActionEndpoints.ProblemAsync(http, StatusCodes.Status500InternalServerError, $"Re-queued {operation.Done} rows, then it failed: {error}").ConfigureAwait(false);
            return;
        }

        await ActionEndpoints.DoneAsync(http, form, operation.Done == 0 ? "nothing" : "requeued", operation.Done).ConfigureAwait(false);
    }
}
