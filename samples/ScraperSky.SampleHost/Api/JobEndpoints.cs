using ScraperSky.SampleHost.Jobs;

namespace ScraperSky.SampleHost.Api;

/// <summary>
/// The job list, and the seeds' dev-tools trigger that runs a job now and answers with the runs' results (off unless an
/// API key is configured, <see cref="DevToolsKey"/>): 200 once the runs ended, 409 when the job is already running or disabled, 404 for an
/// unknown job, 503 while the scheduler is not running.
/// </summary>
internal static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/jobs", async (JobControl jobs, CancellationToken ct) => Results.Ok(await jobs.GetJobsAsync(ct)));

        app.MapPost("/api/dev-tools/jobs/{jobId}/run", async (string jobId, JobControl jobs, CancellationToken ct) =>
        {
            var result = await jobs.RunNowAsync(jobId, ct);
            return result.Outcome switch
            {
                JobTriggerOutcome.Ran => Results.Ok(new JobTriggerResponse(jobId, result.Message, result.Runs)),
                JobTriggerOutcome.UnknownJob => Results.NotFound(new ApiError(result.Message)),
                JobTriggerOutcome.AlreadyRunning or JobTriggerOutcome.Disabled => Results.Conflict(new ApiError(result.Message)),
                _ => Results.Json(new ApiError(result.Message), statusCode: StatusCodes.Status503ServiceUnavailable),
            };
        }).RequireDevToolsKey();

        return app;
    }
}
