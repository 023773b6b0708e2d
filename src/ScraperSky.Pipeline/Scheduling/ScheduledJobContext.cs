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

    /// <summary>Items per status workflow that a workflow's or group's run reports, for <see cref="JobRunResult.ItemsByWorkflow"/>; null until one is reported.</summary>
    internal Dictionary<string, int>? ItemsByWorkflow { get; private set; }

    /// <summary>Records the items of one workflow in this run.</summary>
    internal void ReportItems(string workflow, int items) => (ItemsByWorkflow ??= new(StringComparer.Ordinal))[workflow] = items;

    /// <summary>
    /// Makes a context for a unit test of a scheduled job, the way the scheduler would for one run, without a host or
    /// scheduler: <c>await job.ExecuteAsync(ScheduledJobContext.ForTest(services))</c>. The scheduler makes its own
    /// contexts; production code has no use for this.
    /// </summary>
    /// <param name="services">
    /// The run's services (<see cref="Services"/>), e.g. a scope of the test's own service provider; the test disposes it.
    /// <see langword="null"/> (the default) for a provider with no services, whose <c>GetRequiredService</c> throws.
    /// </param>
    /// <param name="jobId">The <see cref="JobId"/>; default <c>test</c>.</param>
    /// <param name="scheduledTime">The <see cref="ScheduledTime"/>; <see langword="null"/> (the default) for the current time.</param>
    /// <param name="stoppingToken">The <see cref="StoppingToken"/>; signal it to test how the job winds down.</param>
    /// <param name="cancellationToken">The <see cref="CancellationToken"/>; signal it to test an abort.</param>
    /// <returns>The context.</returns>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is empty or white space.</exception>
    public static ScheduledJobContext ForTest(
        IServiceProvider? services = null,
        string jobId = "test",
        DateTimeOffset? scheduledTime = null,
        CancellationToken stoppingToken = default,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return new ScheduledJobContext(
            jobId,
            scheduledTime ?? TimeProvider.System.GetUtcNow(),
            services ?? NoServices.Instance,
            stoppingToken,
            cancellationToken);
    }

    /// <summary>A service provider with no services, for a test context made without one.</summary>
    private sealed class NoServices : IServiceProvider
    {
        public static readonly NoServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
