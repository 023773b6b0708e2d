using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The host's one shared scheduler (like APScheduler's shared <c>scheduler_instance</c>). Each job has a one-shot timer from the
/// <see cref="TimeProvider"/>; when it fires, the scheduler works out which runs are due (<see cref="ScheduleMath"/>),
/// skips them when the job has its maximum of instances running, starts the rest (<see cref="JobRuns"/>), applies the
/// failure policy to their results (<see cref="FailurePolicy"/>), reports them (<see cref="JobReporter"/>) and re-arms
/// the timer. Decisions are taken under one lock; jobs, cleanups and event handlers run outside it.
/// </summary>
internal sealed partial class JobScheduler : IJobScheduler, IDisposable
{
    private readonly object _gate = new();
    private readonly List<ScheduledJob> _order = [];
    private readonly Dictionary<string, ScheduledJob> _jobs = new(StringComparer.Ordinal);
    private readonly JobClock _clock;
    private readonly ILogger _logger;
    private readonly JobRuns _runs;
    private readonly JobReporter _reporter;
    private readonly JobDispatcher _dispatcher;
    private readonly IJobRunGate? _runGate;
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SchedulerState _state;

    public JobScheduler(TimeProvider time, IServiceScopeFactory scopes, ILogger<JobScheduler> logger, PipelineTelemetry? telemetry = null, IJobRunGate? runGate = null)
    {
        _logger = logger;
        _runGate = runGate;
        _reporter = new JobReporter(this, logger, telemetry ?? PipelineTelemetry.Standalone());
        _clock = new JobClock(time, job => _dispatcher!.OnTick(job));
        _runs = new JobRuns(time, scopes, _gate, (job, result, last) => _dispatcher!.RunEnded(job, result, last), logger, runGate);
        _dispatcher = new JobDispatcher(_gate, () => _state == SchedulerState.Running, _clock, _runs, _reporter);
    }

    private enum SchedulerState
    {
        Created,
        Running,
        Stopping,
        Stopped,
    }

    public event EventHandler<JobRunResult>? JobExecuted
    {
        add => _reporter.Executed += value;
        remove => _reporter.Executed -= value;
    }

    public event EventHandler<JobRunResult>? JobFailed
    {
        add => _reporter.Failed += value;
        remove => _reporter.Failed -= value;
    }

    public event EventHandler<JobRunResult>? JobMissed
    {
        add => _reporter.Missed += value;
        remove => _reporter.Missed -= value;
    }

    public event EventHandler<JobRunResult>? JobSkipped
    {
        add => _reporter.Skipped += value;
        remove => _reporter.Skipped -= value;
    }

    /// <summary>The random source of start jitter: a fraction in [0, 1). Tests replace it.</summary>
    internal Func<double> JitterFraction
    {
        get => _clock.JitterFraction;
        set => _clock.JitterFraction = value;
    }

    /// <summary>Test signal: completes when <see cref="StopAsync"/> has begun (no new run starts after it).</summary>
    internal Task StopRequested => _stopRequested.Task;

    /// <summary>Test signal: completes when every run in progress now has ended (its result recorded).</summary>
    internal Task WhenIdle() => _runs.WhenIdle();

    /// <summary>Adds a job; when the scheduler is running its first run is due at once (cron: at its next occurrence), plus jitter.</summary>
    /// <exception cref="InvalidOperationException">The id is taken, or the scheduler has stopped.</exception>
    public void Add(JobDefinition definition)
    {
        ScheduledJob job;
        DateTimeOffset? firstRun = null;
        lock (_gate)
        {
            if (_state is SchedulerState.Stopping or SchedulerState.Stopped)
            {
                throw new InvalidOperationException($"Cannot add {definition.Description}: the job scheduler has stopped.");
            }

            if (definition.Schedule.NeedsCluster && _runGate is null)
            {
                var setting = definition.Schedule.OncePerCluster ? nameof(ScheduledJobOptions.OncePerCluster) : "Schedule:" + nameof(StatusWorkflowScheduleOptions.MaxHostsAtOnce);
                throw new InvalidOperationException(
                    $"Cannot add {definition.Description}: {setting} needs the cluster's schema; call services.AddPipelineCluster(connectionString) when registering the host's services.");
            }

            if (_jobs.TryGetValue(definition.Id, out var existing))
            {
                throw new InvalidOperationException(
                    $"Job id '{definition.Id}' of {definition.Description} is already used by {existing.Definition.Description}; job ids must be unique on the host's scheduler.");
            }

            job = new ScheduledJob(definition);
            _clock.CreateTimer(job);
            _jobs.Add(job.Id, job);
            _order.Add(job);
            if (_state == SchedulerState.Running)
            {
                firstRun = _clock.Begin(job, _clock.Now);
            }
        }

        if (firstRun is { } next)
        {
            Log.JobScheduled(_logger, job.Id, definition.Description, job.Schedule.Describe(), next, job.Schedule.MaxInstances);
        }
    }

    /// <summary>Starts the clock: every job added so far is due at once (cron: at its next occurrence), plus jitter.</summary>
    public void Start()
    {
        List<(ScheduledJob Job, DateTimeOffset Next)> started;
        lock (_gate)
        {
            if (_state != SchedulerState.Created)
            {
                throw new InvalidOperationException($"The job scheduler cannot start: it is {_state}.");
            }

            _state = SchedulerState.Running;
            var now = _clock.Now;
            started = _order.Select(job => (job, _clock.Begin(job, now))).ToList();
        }

        Log.SchedulerStarted(_logger, started.Count);
        foreach (var (job, next) in started)
        {
            Log.JobScheduled(_logger, job.Id, job.Definition.Description, job.Schedule.Describe(), next, job.Schedule.MaxInstances);
        }
    }

    /// <summary>
    /// Stops the scheduler: no new run starts, runs in progress see their stopping token at once and may finish their
    /// work in hand until <paramref name="cancellationToken"/> (the host's shutdown timeout) signals their abort token;
    /// then every job's cleanup that has not run yet runs. Stopping before starting, or twice, does nothing.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] inFlight;
        lock (_gate)
        {
            if (_state == SchedulerState.Created)
            {
                _state = SchedulerState.Stopped;
                return;
            }

            if (_state != SchedulerState.Running)
            {
                return;
            }

            _state = SchedulerState.Stopping;
            _order.ForEach(JobClock.Disarm);
            inFlight = _runs.InFlight();
        }

        Log.SchedulerStopping(_logger, inFlight.Length);
        _stopRequested.TrySetResult();
        await _runs.StopAsync(inFlight, cancellationToken).ConfigureAwait(false);

        await _dispatcher.CleanUpAsync(_order, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _state = SchedulerState.Stopped;
        }

        Log.SchedulerStopped(_logger);
    }

    public IReadOnlyList<ScheduledJobInfo> GetJobs()
    {
        lock (_gate)
        {
            return _order.Select(Snapshot).ToList();
        }
    }

    public ScheduledJobInfo? GetJob(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        lock (_gate)
        {
            return _jobs.TryGetValue(jobId, out var job) ? Snapshot(job) : null;
        }
    }

    public async Task<JobRunResult> RunNowAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        Task<JobRunResult>? run;
        JobRunResult? skipped;
        ScheduledJob job;
        lock (_gate)
        {
            if (_state != SchedulerState.Running)
            {
                throw new InvalidOperationException($"Cannot run job '{jobId}' now: the job scheduler is not running (it is {_state}).");
            }

            job = Find(jobId);
            if (job.Faulted)
            {
                throw new InvalidOperationException(
                    $"Cannot run job '{jobId}' now: it failed {job.ConsecutiveFailures} times in a row and has stopped (OnRepeatedFailure = Stop); restart the host to run it again.");
            }

            run = _dispatcher.StartManual(job, out skipped);
        }

        if (skipped is not null)
        {
            _reporter.RunSkipped(skipped, job.Schedule.MaxInstances);
            return skipped;
        }

        return await run!.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _state = SchedulerState.Stopped;
            _order.ForEach(JobClock.Dispose);
        }

        // Cancelling makes sure nothing waits on the runs' tokens.
        _runs.Cancel();
    }

    private ScheduledJob Find(string jobId)
        => _jobs.TryGetValue(jobId, out var job)
            ? job
            : throw new ArgumentException($"No job with id '{jobId}' is scheduled. Scheduled: {string.Join(", ", _order.Select(j => "'" + j.Id + "'"))}.", nameof(jobId));

    // Under the lock.
    private ScheduledJob? Wakeable(string jobId)
        => _state == SchedulerState.Running && _jobs.TryGetValue(jobId, out var job) && WakeUps.CanWake(job) ? job : null;

    private ScheduledJobInfo Snapshot(ScheduledJob job) => job.Snapshot(_state == SchedulerState.Running, _state is SchedulerState.Stopping or SchedulerState.Stopped);
}
