using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ScraperSky.SampleHost.Jobs;

namespace ScraperSky.SampleHost.Api;

/// <summary>
/// The job list, and the seeds' dev-tools trigger that runs a job now and answers with the runs' results (off unless an
/// API key is configured): 200 once the runs ended, 409 when the job is already running or disabled, 404 for an
/// unknown job, 503 while the scheduler is not running.
/// </summary>
internal static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/jobs", async (IJobControl jobs, CancellationToken ct) => Results.Ok(await jobs.GetJobsAsync(ct)));

        app.MapPost("/api/dev-tools/jobs/{jobId}/run", async (string jobId, IJobControl jobs, CancellationToken ct) =>
        {
            var result = await jobs.RunNowAsync(jobId, ct);
            return result.Outcome switch
            {
                JobTriggerOutcome.Ran => Results.Ok(new JobTriggerResponse(jobId, result.Message, result.Runs)),
                JobTriggerOutcome.UnknownJob => Results.NotFound(new ApiError(result.Message)),
                JobTriggerOutcome.AlreadyRunning or JobTriggerOutcome.Disabled => Results.Conflict(new ApiError(result.Message)),
                _ => Results.Json(new ApiError(result.Message), statusCode: StatusCodes.Status503ServiceUnavailable),
            };
        }).AddEndpointFilter(RequireApiKey);

        return app;
    }

    /// <summary>Off (404) unless <c>DevTools:ApiKey</c> is set; then 401 unless <c>X-Api-Key</c> carries that key.</summary>
    private static async ValueTask<object?> RequireApiKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var configured = http.RequestServices.GetRequiredService<IOptionsMonitor<DevToolsOptions>>().CurrentValue.ApiKey;
        if (string.IsNullOrEmpty(configured))
        {
            return Results.NotFound(new ApiError("dev tools are off: set DevTools:ApiKey (environment variable DevTools__ApiKey) to enable manual job triggers"));
        }

        var presented = http.Request.Headers[DevToolsOptions.ApiKeyHeader].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(configured)))
        {
            return Results.Json(new ApiError($"missing or wrong {DevToolsOptions.ApiKeyHeader} header"), statusCode: StatusCodes.Status401Unauthorized);
        }

        return await next(context);
    }
}
