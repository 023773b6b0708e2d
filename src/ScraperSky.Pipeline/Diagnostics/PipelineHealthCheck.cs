using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>
/// Reports every scheduled job (status workflows included) and every pipeline service: unhealthy when a job backs off
/// after repeated failures or a service has faulted; degraded when something failed lately or is paused.
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

        var pipelineServices = services.GetServices<PipelineService>().ToList();
        foreach (var service in pipelineServices)
        {
            var state = service.State;
            data["service:" + service.Name] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["state"] = state.ToString(),
                ["consecutiveFailures"] = service.ConsecutiveFailures,
                ["lastError"] = service.LastError?.Message,
                ["interval"] = service.Interval.ToString("c", CultureInfo.InvariantCulture),
            };

            if (state == PipelineServiceState.Faulted)
            {
                Note(HealthStatus.Unhealthy, $"service '{service.Name}' has faulted ({service.LastError?.Message})");
            }
            else if (state == PipelineServiceState.Paused)
            {
                Note(HealthStatus.Degraded, $"service '{service.Name}' is paused");
            }
            else if (service.ConsecutiveFailures > 0)
            {
                Note(HealthStatus.Degraded, $"service '{service.Name}' failed its last {service.ConsecutiveFailures} update(s)");
            }
        }

        var summary = $"{jobs.Count} job(s), {pipelineServices.Count} service(s)";
        var description = problems.Count == 0 ? summary + ": all healthy." : $"{summary}: {string.Join("; ", problems)}.";
        return Task.FromResult(new HealthCheckResult(worst, description, data: data));
    }
}
