using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScraperSky.Pipeline.Dashboard;
using ScraperSky.Pipeline.Dashboard.Access;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the pipeline dashboard's pages.</summary>
public static class PipelineDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard under <paramref name="prefix"/> and returns its route group, so that
    /// <c>.RequireAuthorization("ops")</c>, <c>.RequireHost(…)</c> and rate limiting apply to all of it. Closed by
    /// default: without authorization metadata it answers loopback requests only and logs a warning;
    /// <c>.AllowAnonymous()</c> is the explicit opt-out.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">The group's route, such as <c>/pipeline</c>.</param>
    /// <returns>The route group.</returns>
    /// <exception cref="InvalidOperationException"><c>services.AddPipelineDashboard()</c> was not called.</exception>
    public static RouteGroupBuilder MapPipelineDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/pipeline")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var access = endpoints.ServiceProvider.GetService<DashboardAccess>()
            ?? throw new InvalidOperationException("MapPipelineDashboard needs the dashboard's services: call builder.Services.AddPipelineDashboard() first.");
        var group = endpoints.MapGroup(prefix);
        DashboardEndpoints.Map(group);

        // Runs once the group's own conventions (RequireAuthorization, AllowAnonymous) have been applied, when the
        // endpoints are built: that an unprotected dashboard is loopback-only is said at start-up (below), not first
        // when someone opens it.
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            if (DashboardAccess.ModeOf(endpoint.Metadata) == AccessMode.LoopbackOnly)
            {
                access.WarnLoopbackOnly(prefix);
            }
        });
        var sources = endpoints.DataSources;
        endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStarted.Register(() =>
        {
            try
            {
                _ = sources.SelectMany(s => s.Endpoints).Count();
            }
            catch (InvalidOperationException)
            {
                // A broken route elsewhere in the app: routing reports it at the first request.
            }
        });
        return group;
    }
}
