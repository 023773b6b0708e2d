using Microsoft.Extensions.Logging;

namespace ScraperSky.Pipeline.Dashboard.Diagnostics;

/// <summary>The dashboard's log events (ids 8xxx, listed in docs/dashboard.md).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 8000, EventName = "DashboardLoopbackOnly", Level = LogLevel.Warning,
        Message = "The pipeline dashboard at {Route} is mapped without an authorization policy: it answers loopback requests only. Add .RequireAuthorization(\"<policy>\") to MapPipelineDashboard(…), or .AllowAnonymous() to open it deliberately")]
    public static partial void LoopbackOnly(ILogger logger, string route);

    [LoggerMessage(EventId = 8001, EventName = "DashboardActionPerformed", Level = LogLevel.Information,
        Message = "Dashboard: {User} did {Action} on {Target} ({Scope}): {Rows} rows")]
    public static partial void ActionPerformed(ILogger logger, string user, string action, string target, string scope, long rows);

    [LoggerMessage(EventId = 8002, EventName = "DashboardActionRefused", Level = LogLevel.Warning,
        Message = "Dashboard: {User} was refused {Action} on {Target}: {Reason}")]
    public static partial void Refused(ILogger logger, string user, string action, string target, string reason);

    [LoggerMessage(EventId = 8003, EventName = "DashboardActionFailed", Level = LogLevel.Error,
        Message = "Dashboard: {Action} on {Target} by {User} failed after {Rows} rows")]
    public static partial void ActionFailed(ILogger logger, Exception exception, string user, string action, string target, long rows);

    [LoggerMessage(EventId = 8004, EventName = "DashboardSampleFailed", Level = LogLevel.Warning,
        Message = "Dashboard: reading {Part} for the live view failed; the pages show the last values")]
    public static partial void SampleFailed(ILogger logger, Exception exception, string part);
}
