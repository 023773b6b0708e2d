using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ScraperSky.Pipeline.Scheduling;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Scheduling;

/// <summary>
/// A job scheduler on a fake clock with every event posted to a signal, for the scheduler's own tests: jobs are added
/// with <see cref="Add"/> (a one-minute interval unless configured) and the scheduler is disposed with the test.
/// </summary>
public abstract class SchedulerTestBase : IDisposable
{
    protected static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

#pragma warning disable SA1401, IDE1006 // the tests read these as fields, like their own
    protected readonly StallingTimeProvider _time = new();
    protected readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private protected readonly JobScheduler _scheduler;
    protected readonly Signals<JobRunResult> _executed = new();
    protected readonly Signals<JobRunResult> _failed = new();
    protected readonly Signals<JobRunResult> _missed = new();
    protected readonly Signals<JobRunResult> _skipped = new();
    protected readonly DateTimeOffset _t0;
#pragma warning restore SA1401, IDE1006

    protected SchedulerTestBase()
    {
        _scheduler = new JobScheduler(_time, _services.GetRequiredService<IServiceScopeFactory>(), NullLogger<JobScheduler>.Instance);
        _scheduler.JobExecuted += (_, r) => _executed.Post(r);
        _scheduler.JobFailed += (_, r) => _failed.Post(r);
        _scheduler.JobMissed += (_, r) => _missed.Post(r);
        _scheduler.JobSkipped += (_, r) => _skipped.Post(r);
        _t0 = _time.GetUtcNow();
    }

    public void Dispose()
    {
        _scheduler.Dispose();
        _services.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Adds a job running <paramref name="body"/> every minute unless <paramref name="configure"/> says otherwise.</summary>
    private protected void Add(string id, Func<ScheduledJobContext, Task<int>> body, Action<ScheduledJobOptions>? configure = null, Func<CancellationToken, Task>? cleanup = null)
    {
        var options = new ScheduledJobOptions { Interval = Minute };
        configure?.Invoke(options);
        _scheduler.Add(new JobDefinition(id, JobSchedule.From(options), body, $"test job '{id}'", cleanup));
    }
}
