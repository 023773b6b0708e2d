namespace ScraperSky.Pipeline;

/// <summary>
/// A long-running service with the <c>AbstractService</c> lifecycle of ScraperSky's Python services, run as a job on the host's shared
/// scheduler: <see cref="ConfigureAsync"/> once when the host starts, <see cref="UpdateAsync"/> on the job's interval,
/// <see cref="CleanupAsync"/> once when it stops. Register it with <c>services.AddScheduledService&lt;T&gt;(jobId, …)</c>;
/// being a job, it is paused, resumed, run now and listed through <see cref="IJobScheduler"/> by its job id, follows
/// its <see cref="ScheduledJobOptions"/> failure policy, and appears in the health check, the metrics and the events.
/// </summary>
/// <remarks>
/// The service is a singleton: its constructor receives its dependencies (an <c>ILogger&lt;T&gt;</c>, a
/// <see cref="TimeProvider"/>, …) from the container; each update gets the services of a scope of its own.
/// </remarks>
public abstract class ScheduledService
{
    /// <summary>Initializes the service.</summary>
    protected ScheduledService()
    {
    }

    /// <summary>
    /// Performs the one-time set-up of the service (<c>_configure_service</c> of an <c>AbstractService</c>): runs once when the host starts,
    /// before any job runs. An exception stops the host's start-up (the service's cleanup runs first).
    /// </summary>
    /// <param name="cancellationToken">Cancels the set-up (the host's start-up was cancelled).</param>
    /// <returns>A task that completes when the service is configured.</returns>
    protected virtual Task ConfigureAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Performs the service's work once (<c>update</c> of an <c>AbstractService</c>): when the host starts, then on every interval, and on
    /// <see cref="IJobScheduler.RunNowAsync"/>. An exception is a failed run, handled by the job's failure policy.
    /// </summary>
    /// <param name="context">The run: its scoped services, <see cref="ScheduledJobContext.StoppingToken"/> (the host is
    /// stopping; cancellation then is not a failure) and <see cref="ScheduledJobContext.CancellationToken"/> (abort now).</param>
    /// <returns>A task that completes when the work is done.</returns>
    protected abstract Task UpdateAsync(ScheduledJobContext context);

    /// <summary>
    /// Releases what the service holds (<c>cleanup</c> of an <c>AbstractService</c>): runs once, after its last update, when the host stops
    /// or the job stops for good (<see cref="RepeatedFailureAction.Stop"/>). An exception is logged.
    /// </summary>
    /// <param name="cancellationToken">Signalled when the host's shutdown timeout has passed.</param>
    /// <returns>A task that completes when the resources are released.</returns>
    protected virtual Task CleanupAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal Task ConfigureOnceAsync(CancellationToken cancellationToken) => ConfigureAsync(cancellationToken);

    internal async Task<int> UpdateOnceAsync(ScheduledJobContext context)
    {
        await UpdateAsync(context).ConfigureAwait(false);
        return 0;
    }

    internal Task CleanupOnceAsync(CancellationToken cancellationToken) => CleanupAsync(cancellationToken);
}
