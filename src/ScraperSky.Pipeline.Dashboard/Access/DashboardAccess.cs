using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Dashboard.Diagnostics;

namespace ScraperSky.Pipeline.Dashboard.Access;

/// <summary>
/// Who may reach the dashboard and what they may do. Closed by default: mapped without authorization metadata it
/// answers loopback requests only (no forwarding headers, a loopback Host), and each action asks the app's resolver.
/// </summary>
internal sealed class DashboardAccess(IOptions<PipelineDashboardOptions> options, ILogger<DashboardAccess> logger)
{
    private static readonly string[] ForwardingHeaders = ["X-Forwarded-For", "X-Forwarded-Host", "Forwarded", "X-Real-IP"];
    private int _warned;

    /// <summary>Reads the access mode from an endpoint's metadata (group conventions included).</summary>
    public static AccessMode ModeOf(IEnumerable<object> metadata)
    {
        if (metadata.Any(m => m is IAllowAnonymous))
        {
            return AccessMode.Anonymous;
        }

        return metadata.Any(m => m is IAuthorizeData or AuthorizationPolicy or IAuthorizationRequirementData)
            ? AccessMode.Policy
            : AccessMode.LoopbackOnly;
    }

    /// <summary>Gets the mode of the endpoint the request reached.</summary>
    public static AccessMode ModeOf(HttpContext context)
        => context.GetEndpoint() is { } endpoint ? ModeOf(endpoint.Metadata) : AccessMode.LoopbackOnly;

    /// <summary>Logs, once per process, that a dashboard was mapped without authorization metadata.</summary>
    public void WarnLoopbackOnly(string route)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            DashboardLog.LoopbackOnly(logger, route);
        }
    }

    /// <summary>
    /// Lets the request in, or answers 403 and returns false: a non-loopback caller in loopback-only mode, or a caller
    /// the resolver does not let view.
    /// </summary>
    public async Task<bool> EnterAsync(HttpContext context)
    {
        var mode = ModeOf(context);
        if (mode == AccessMode.LoopbackOnly)
        {
            WarnLoopbackOnly(context.Request.PathBase + context.Request.Path);
            if (!IsLoopbackRequest(context))
            {
                DashboardLog.Refused(logger, Who(context), "view", context.Request.Path, "not a loopback request and the dashboard has no authorization policy");
                await RefuseAsync(context, "The pipeline dashboard answers loopback requests only: map it with a policy (MapPipelineDashboard(…).RequireAuthorization(\"…\")) or, deliberately, .AllowAnonymous().").ConfigureAwait(false);
                return false;
            }
        }

        if (!await IsAllowedAsync(context, DashboardPermission.View, null).ConfigureAwait(false))
        {
            DashboardLog.Refused(logger, Who(context), "view", context.Request.Path, "the permission resolver refused");
            await RefuseAsync(context, "You may not view the pipeline dashboard.").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    /// <summary>Asks the app's resolver (or the default rule) whether the request may do <paramref name="permission"/>.</summary>
    public ValueTask<bool> IsAllowedAsync(HttpContext context, DashboardPermission permission, string? target)
    {
        var loopbackOnly = ModeOf(context) == AccessMode.LoopbackOnly;
        var settings = options.Value;
        if (settings.Authorize is { } authorize)
        {
            return authorize(new DashboardAuthorizationContext(context, permission, target, loopbackOnly));
        }

        // The default: whoever reached the dashboard may view; only the machine's own operator may act, and only
        // while the app has not decided otherwise.
        return ValueTask.FromResult(permission == DashboardPermission.View || (loopbackOnly && settings.LoopbackActions));
    }

    /// <summary>Whether the request came from this machine, directly: a loopback peer, a loopback Host, no proxy headers.</summary>
    public static bool IsLoopbackRequest(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null || !IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            return false;
        }

        // A reverse proxy on the same machine connects from loopback on behalf of anyone.
        if (ForwardingHeaders.Any(h => context.Request.Headers.ContainsKey(h)))
        {
            return false;
        }

        // A loopback Host only: a page on another site that rebinds its DNS name to 127.0.0.1 sends its own name.
        var host = context.Request.Host.Host;
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Describes the caller for the logs: the user's name (or "anonymous") and the remote address.</summary>
    public static string Who(HttpContext context)
    {
        var name = context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } n } ? n : "anonymous";
        return $"{name} ({context.Connection.RemoteIpAddress?.ToString() ?? "no address"})";
    }

    private static async Task RefuseAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message, context.RequestAborted).ConfigureAwait(false);
    }
}
