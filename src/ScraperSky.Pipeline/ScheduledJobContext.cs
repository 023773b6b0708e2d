namespace ScraperSky.Pipeline;

/// <summary>What a scheduled job knows about the run it is executing.</summary>
public sealed class ScheduledJobContext
{
    internal ScheduledJobContext(string jobId, DateTimeOffset scheduledTime, IServiceProvider services, CancellationToken stoppingToken, CancellationToken cancellationToken)
    {
        JobId = jobId;
        ScheduledTime = scheduledTime;
        Services = services;
        StoppingToken = stoppingToken;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the job's id, such as <c>process_pending_domains</c>.</summary>
    public string JobId { get; }

    /// <summary>Gets the time the run was scheduled for (the trigger time for a manual run).</summary>
    public DateTimeOffset ScheduledTime { get; }

    /// <summary>Gets the services of the run's own scope, disposed when the run ends.</summary>
    public IServiceProvider Services { get; }

    /// <summary>
    /// Gets the token signalled when the host begins to stop: start no new work (no new batch, no new item) and
    /// return once the work in hand is done.
    /// </summary>
    public CancellationToken StoppingToken { get; }

    /// <summary>Gets the token signalled when work in flight must end now (the host's shutdown timeout has passed).</summary>
    public CancellationToken CancellationToken { get; }
}
