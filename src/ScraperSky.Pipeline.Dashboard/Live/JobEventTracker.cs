using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ScraperSky.Pipeline.Dashboard.Live;

/// <summary>
/// Listens to the scheduler's events from host start: missed and skipped runs per job (the scheduler reports those by
/// event only) and the last run that claimed items (progress, for the stalled badge).
/// </summary>
internal sealed class JobEventTracker(IServiceProvider services, TimeProvider time) : IHostedService
{
    private readonly ConcurrentDictionary<string, Counters> _jobs = new(StringComparer.Ordinal);
    private IJobScheduler? _scheduler;

    /// <summary>Gets the missed and skipped runs of a job since the host started, and when a run last reported items.</summary>
    public (long Missed, long Skipped, DateTimeOffset? LastItemsAt) Get(string jobId)
        => _jobs.TryGetValue(jobId, out var c) ? (Interlocked.Read(ref c.Missed), Interlocked.Read(ref c.Skipped), c.LastItemsAt) : (0, 0, null);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _scheduler = services.GetService<IJobScheduler>();
        if (_scheduler is not null)
        {
            _scheduler.JobMissed += OnMissed;
            _scheduler.JobSkipped += OnSkipped;
            _scheduler.JobExecuted += OnExecuted;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is not null)
        {
            _scheduler.JobMissed -= OnMissed;
            _scheduler.JobSkipped -= OnSkipped;
            _scheduler.JobExecuted -= OnExecuted;
        }

        return Task.CompletedTask;
    }

    private Counters Of(string jobId) => _jobs.GetOrAdd(jobId, _ => new Counters());

    private void OnMissed(object? sender, JobRunResult result) => Interlocked.Increment(ref Of(result.JobId).Missed);

    private void OnSkipped(object? sender, JobRunResult result) => Interlocked.Increment(ref Of(result.JobId).Skipped);

    private void OnExecuted(object? sender, JobRunResult result)
    {
        if (result.ItemsProcessed > 0)
        {
            Of(result.JobId).LastItemsAt = time.GetUtcNow();
        }
    }

    private sealed class Counters
    {
        public long Missed;
        public long Skipped;
        public DateTimeOffset? LastItemsAt;
    }
}
