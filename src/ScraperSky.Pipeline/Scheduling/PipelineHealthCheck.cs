using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// Reports every scheduled job (status workflows and scheduled services included): unhealthy when a job backs off or has
/// stopped after repeated failures; degraded when it failed lately or is paused.
/// </summary>
internal sealed class PipelineHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new List<string>();
        var worst = HealthStatus.Healthy;

        void Note(HealthStatus status, string problem)
        {
            problems.Add(problem);
            worst = status < worst ? status : worst;
        }

        var jobs = services.GetService<JobScheduler>()?.GetJobs() ?? [];
        foreach (var job in jobs)
        {
            data["job:" + job.JobId] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["state"] = job.State.ToString(),
                ["lastResult"] = job.LastResult?.Outcome.ToString(),
                ["lastError"] = job.LastResult?.Exception?.Message,
                ["consecutiveFailures"] = job.ConsecutiveFailures,
                ["runningInstances"] = job.RunningInstances,
                ["nextRun"] = job.NextRunTime?.ToString("O", CultureInfo.InvariantCulture),
            };

            switch (job.State)
            {
                case ScheduledJobState.Faulted:
                    Note(HealthStatus.Unhealthy, $"job '{job.JobId}' has stopped after {job.ConsecutiveFailures} failed runs in a row ({job.LastResult?.Exception?.Message})");
                    break;
                case ScheduledJobState.BackingOff:
                    Note(HealthStatus.Unhealthy, $"job '{job.JobId}' is backing off after {job.ConsecutiveFailures} failed runs in a row");
                    break;
                case ScheduledJobState.Paused:
                    Note(HealthStatus.Degraded, $"job '{job.JobId}' is paused");
                    break;
                case not ScheduledJobState.Stopped when job.ConsecutiveFailures > 0:
                    Note(HealthStatus.Degraded, $"job '{job.JobId}' failed its last {job.ConsecutiveFailures} run(s)");
                    break;
            }
        }

        var summary = $"{jobs.Count} job(s)";
        var description = problems.Count == 0 ? summary + ": all healthy." : $"{summary}: {string.Join("; ", problems)}.";
        return Task.FromResult(new HealthCheckResult(worst, description, data: data));
    }
}
