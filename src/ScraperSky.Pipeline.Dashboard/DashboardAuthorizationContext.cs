using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace ScraperSky.Pipeline.Dashboard;

/// <summary>One question to <see cref="PipelineDashboardOptions.Authorize"/>: may this request do that, to this target?</summary>
public sealed class DashboardAuthorizationContext
{
    internal DashboardAuthorizationContext(HttpContext httpContext, DashboardPermission permission, string? target, bool isLoopbackOnly)
    {
        HttpContext = httpContext;
        Permission = permission;
        Target = target;
        IsLoopbackOnly = isLoopbackOnly;
    }

    /// <summary>Gets the request.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>Gets the request's user (anonymous unless the app authenticates it).</summary>
    public ClaimsPrincipal User => HttpContext.User;

    /// <summary>Gets what the user asks to do.</summary>
    public DashboardPermission Permission { get; }

    /// <summary>Gets the workflow name or job id the action is for, or <see langword="null"/> when the question is about the dashboard as a whole (such as whether to show a button at all).</summary>
    public string? Target { get; }

    /// <summary>Gets whether the dashboard runs in loopback-only mode (mapped without any authorization metadata).</summary>
    public bool IsLoopbackOnly { get; }
}
