using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Api;

/// <summary>
/// <c>GET /health</c> (and <c>/health/ready</c>): the database answers (<c>database</c>), and the library's check (<c>scrapersky-pipeline</c>)
/// reports every job on the scheduler with its state, last result, last error and next run in its data: unhealthy
/// when a job backs off after failed runs in a row, degraded when a run failed lately or a job is paused.
/// <c>GET /health/live</c> runs no check: 200 while the process serves requests.
/// </summary>
internal static class HealthEndpoints
{
    public static IServiceCollection AddSampleHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddPipelineHealthCheck();
        return services;
    }

    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteAsync });

        // For a supervisor: liveness runs no check (the process answers, so do not restart it), readiness runs them all.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        }, cancellationToken: context.RequestAborted);
    }

    private sealed class DatabaseHealthCheck(ScraperSkyDb db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy("the database answers")
                : HealthCheckResult.Unhealthy("the database does not answer");
    }
}
