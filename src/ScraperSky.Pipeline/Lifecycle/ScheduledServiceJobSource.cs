using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Lifecycle;

/// <summary>
/// Turns each scheduled service into a job when the host starts: configures the service once (a failure stops
/// start-up, after the cleanup of every service this source configured), then hands the scheduler a job whose runs are
/// the service's updates and whose cleanup is the service's.
/// </summary>
internal sealed class ScheduledServiceJobSource(
    IEnumerable<ScheduledServiceRegistration> registrations,
    IServiceProvider services,
    ILogger<ScheduledServiceJobSource> logger) : IScheduledJobSource
{
    public async Task<IReadOnlyList<JobDefinition>> PrepareAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<JobDefinition>();
        foreach (var registration in registrations)
        {
            var service = (ScheduledService)services.GetRequiredService(registration.ServiceType);
            var job = new JobDefinition(
                registration.JobId,
                registration.Schedule,
                service.UpdateOnceAsync,
                $"scheduled service '{registration.JobId}'",
                service.CleanupOnceAsync);
            jobs.Add(job);
            try
            {
                await service.ConfigureOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.ServiceConfigureFailed(logger, ex, registration.JobId);
                foreach (var configured in jobs)
                {
                    await JobReporter.CleanUpAsync(logger, configured, configured.Cleanup!, CancellationToken.None).ConfigureAwait(false);
                }

                throw;
            }

            Log.ServiceConfigured(logger, registration.JobId, registration.Schedule.Describe());
        }

        return jobs;
    }
}
