using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Jobs;

namespace ScraperSky.SampleHost.Api;

/// <summary>
/// <c>GET /health</c>: the database answers, and every job is registered and counted. The library's own workflow
/// health check will join these checks when it ships.
/// </summary>
internal static class HealthEndpoints
{
    public static IServiceCollection AddSampleHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<JobsHealthCheck>("jobs");
        return services;
    }

    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description }),
        }, cancellationToken: context.RequestAborted);
    }

    private sealed class DatabaseHealthCheck(ScraperSkyDb db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy("the database answers")
                : HealthCheckResult.Unhealthy("the database does not answer");
    }

    private sealed class JobsHealthCheck(IJobControl jobs) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var list = await jobs.GetJobsAsync(cancellationToken);
                var disabled = list.Where(j => j.State == "disabled").Select(j => j.JobId).ToList();
                return disabled.Count == 0
                    ? HealthCheckResult.Healthy($"{list.Count} jobs scheduled")
                    : HealthCheckResult.Degraded($"disabled: {string.Join(", ", disabled)}");
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy($"the job list could not be read: {ex.Message}", ex);
            }
        }
    }
}
