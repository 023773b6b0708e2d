using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The host's one shared scheduler (the seeds' <c>scheduler_instance</c>). Each job has a one-shot timer from the
/// <see cref="TimeProvider"/>; when it fires, the scheduler works out which runs are due, which were missed (older than
/// the misfire grace time), coalesces them, skips them when the job has its maximum of instances running, starts the
/// rest on the thread pool and re-arms the timer. Decisions are taken under one lock; jobs and event handlers run
/// outside it.
/// </summary>
internal sealed class JobScheduler : IJobScheduler, IDisposable
{
    // Without coalescing, a long stall could otherwise produce one event per missed interval; the log says how many.
    private const int MaxMissedEventsPerTick = 100;
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(1);

    /// <summary>How long stopping waits, after the shutdown timeout aborted the runs, for them to hand their rows back.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private readonly List<ScheduledJob> _order = [];
    private readonly Dictionary<string, ScheduledJob> _jobs = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _inFlight = [];
    private readonly TimeProvider _time;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private State _state;

    public JobScheduler(TimeProvider time, IServiceScopeFactory scopes, ILogger<JobScheduler> logger)
    {
        _time = time;
        _scopes = scopes;
        _logger = logger;
    }

    private enum State
    {
        Created,
        Running,
        Stopping,
        Stopped,
    }

    public event EventHandler<JobRunResult>? JobExecuted;

    public event EventHandler<JobRunResult>? JobFailed;

    public event EventHandler<JobRunResult>? JobMissed;

    public event EventHandler<JobRunResult>? JobSkipped;

    /// <summary>The random source of start jitter: a fraction in [0, 1). Tests replace it.</summary>
    internal Func<double> JitterFraction { get; set; } = Random.Shared.NextDouble;

    /// <summary>Test signal: completes when <see cref="StopAsync"/> has begun (no new run starts after it).</summary>
    internal Task StopRequested => _stopRequested.Task;

    /// <summary>Test signal: completes when every run in progress now has ended (its result recorded).</summary>
    internal Task WhenIdle()
    {
        lock (_gate)
        {
            return Task.WhenAll([.. _inFlight]);
        }
    }

    /// <summary>Adds a job; when the scheduler is running its first run is due at once (plus jitter).</summary>
    /// <exception cref="InvalidOperationException">The id is taken, or the scheduler has stopped.</exception>
    public void Add(JobDefinition definition)
    {
        ScheduledJob job;
        DateTimeOffset? firstRun = null;
        lock (_gate)
        {
            if (_state is State.Stopping or State.Stopped)
            {
                throw new InvalidOperationException($"Cannot add {definition.Description}: the job scheduler has stopped.");
            }

            if (_jobs.TryGetValue(definition.Id, out var existing))
            {
                throw new InvalidOperationException(
                    $"Job id '{definition.Id}' of {definition.Description} is already used by {existing.Definition.Description}; job ids must be unique on the host's scheduler.");
            }

            job = new ScheduledJob(definition);
            job.Timer = _time.CreateTimer(static s => ((Tick)s!).Run(), new Tick(this, job), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _jobs.Add(job.Id, job);
            _order.Add(job);
            if (_state == State.Running)
            {
                firstRun = Begin(job, _time.GetUtcNow());
            }
        }

        if (firstRun is { } next)
        {
            Log.JobScheduled(_logger, job.Id, definition.Description, job.Schedule.Interval, next, job.Schedule.MaxInstances);
        }
    }

    /// <summary>Starts the clock: every job added so far is due at once (plus jitter).</summary>
    public void Start()
    {
        List<(ScheduledJob Job, DateTimeOffset Next)> started;
        lock (_gate)
        {
            if (_state != State.Created)
            {
                throw new InvalidOperationException($"The job scheduler cannot start: it is {_state}.");
            }

            _state = State.Running;
            var now = _time.GetUtcNow();
            started = _order.Select(job => (job, Begin(job, now))).ToList();
        }

        Log.SchedulerStarted(_logger, started.Count);
        foreach (var (job, next) in started)
        {
            Log.JobScheduled(_logger, job.Id, job.Definition.Description, job.Schedule.Interval, next, job.Schedule.MaxInstances);
        }
    }

    /// <summary>
    /// Stops the scheduler: no new run starts, runs in progress see their stopping token at once and may finish their
    /// work in hand until <paramref name="cancellationToken"/> (the host's shutdown timeout) signals their abort token.
    /// Stopping before starting, or twice, does nothing.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] inFlight;
        lock (_gate)
        {
            if (_state == State.Created)
            {
                _state = State.Stopped;
                return;
            }

            if (_state != State.Running)
            {
                return;
            }

            _state = State.Stopping;
            foreach (var job in _order)
            {
                job.Timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            inFlight = [.. _inFlight];
        }

        Log.SchedulerStopping(_logger, inFlight.Length);
        _stopRequested.TrySetResult();
        await _stopping.CancelAsync().ConfigureAwait(false);
        using (cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _abort))
        {
            try
            {
                await Task.WhenAll(inFlight).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host's shutdown timeout: tell runs to abort, and like BackgroundService do not wait any longer. Cancelled
                // here too because the token's callbacks run last-registered first: WaitAsync's resumes this method, which
                // would dispose the registration above before its callback ran.
                await _abort.CancelAsync().ConfigureAwait(false);
                Log.SchedulerShutdownTimedOut(_logger, inFlight.Count(t => !t.IsCompleted));

                // Aborted runs wind down quickly: they hand their unfinished rows back to the queue (lease mode)
                // or roll back (atomic batch). Give them a moment to do so while the host's services still exist,
                // so that the next start finds the rows queued rather than claimed until their lease expires.
                try
                {
                    await Task.WhenAll(inFlight).WaitAsync(AbortGrace).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
                {
                    // Still running: the rescuer returns whatever they held once their leases expire.
                }
            }
        }

        lock (_gate)
        {
            _state = State.Stopped;
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
        TaskCompletionSource<JobRunResult>? completion = null;
        JobRunResult? skipped = null;
        lock (_gate)
        {
            if (_state != State.Running)
            {
                throw new InvalidOperationException($"Cannot run job '{jobId}' now: the job scheduler is not running (it is {_state}).");
            }

            var job = Find(jobId);
            var now = _time.GetUtcNow();
            if (job.Running >= job.Schedule.MaxInstances)
            {
                skipped = Result(job, JobRunOutcome.Skipped, now, now);
            }
            else
            {
                completion = new TaskCompletionSource<JobRunResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                StartRuns(job, [now], completion);
            }
        }

        if (skipped is not null)
        {
            ReportSkipped(skipped, 1);
            return skipped;
        }

        return await completion!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Pause(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        lock (_gate)
        {
            var job = Find(jobId);
            if (job.Paused)
            {
                return;
            }

            job.Paused = true;
            job.Timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        Log.JobPaused(_logger, jobId);
    }

    public void Resume(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        DateTimeOffset next;
        lock (_gate)
        {
            var job = Find(jobId);
            if (!job.Paused)
            {
                return;
            }

            job.Paused = false;
            var now = _time.GetUtcNow();

            // Like APScheduler's resume: the next point of the job's own interval grid, so runs stay where they were.
            if (job.NextNominal < now)
            {
                var steps = (now - job.NextNominal).Ticks / job.Schedule.Interval.Ticks;
                job.NextNominal += TimeSpan.FromTicks(job.Schedule.Interval.Ticks * steps);
                if (job.NextNominal < now)
                {
                    job.NextNominal += job.Schedule.Interval;
                }
            }

            job.NextRun = job.NextNominal + Jitter(job.Schedule);
            next = job.NextRun;
            if (_state == State.Running)
            {
                Arm(job, now);
            }
        }

        Log.JobResumed(_logger, jobId, next);
    }

    /// <summary>
    /// Makes the job run as soon as it may (a wake-up notification), without moving its interval grid: at once, or
    /// <paramref name="spacing"/> after its latest run started, or — when it already runs its maximum of instances —
    /// as soon as a run ends. Wakes are coalesced; a paused or backing-off job ignores them, as does an unknown id.
    /// </summary>
    internal void Wake(string jobId, TimeSpan spacing)
    {
        lock (_gate)
        {
            if (_state != State.Running || !_jobs.TryGetValue(jobId, out var job) || job.Paused || job.BackingOff)
            {
                return;
            }

            if (job.Running >= job.Schedule.MaxInstances)
            {
                job.WakePending = true;
                return;
            }

            ScheduleWake(job, spacing, _time.GetUtcNow());
        }
    }

    /// <summary>
    /// Makes the job run at <paramref name="at"/> (a retry falls due then), without moving its interval grid; nothing
    /// happens if a run is due sooner anyway. A paused or backing-off job ignores it, as does an unknown id.
    /// </summary>
    internal void WakeAt(string jobId, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_state != State.Running || !_jobs.TryGetValue(jobId, out var job) || job.Paused || job.BackingOff)
            {
                return;
            }

            var now = _time.GetUtcNow();
            if (at <= now)
            {
                if (job.Running >= job.Schedule.MaxInstances)
                {
                    job.WakePending = true;
                    return;
                }

                ScheduleWake(job, TimeSpan.Zero, now);
                return;
            }

            if (at >= job.NextRun || (job.WakeRun is { } pending && pending <= at))
            {
                return;
            }

            job.WakeRun = at;
            Arm(job, now);
        }
    }

    // Under the lock.
    private void ScheduleWake(ScheduledJob job, TimeSpan spacing, DateTimeOffset now)
    {
        var at = job.LastRunStart + spacing > now ? job.LastRunStart + spacing : now;
        if (at >= job.NextRun || (job.WakeRun is { } pending && pending <= at))
        {
            return;
        }

        job.WakeRun = at;
        job.WakeSpacing = spacing;
        Arm(job, now);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _state = State.Stopped;
            foreach (var job in _order)
            {
                job.Timer?.Dispose();
                job.Timer = null;
            }
        }

        // Not disposed: a straggling run may still read the tokens. Cancelling makes sure nothing waits on them.
        _stopping.Cancel();
        _abort.Cancel();
    }

    private ScheduledJob Find(string jobId)
        => _jobs.TryGetValue(jobId, out var job)
            ? job
            : throw new ArgumentException($"No job with id '{jobId}' is scheduled. Scheduled: {string.Join(", ", _order.Select(j => "'" + j.Id + "'"))}.", nameof(jobId));

    private ScheduledJobInfo Snapshot(ScheduledJob job)
    {
        var state = _state is State.Stopping or State.Stopped ? ScheduledJobState.Stopped
            : job.Paused ? ScheduledJobState.Paused
            : job.BackingOff ? ScheduledJobState.BackingOff
            : job.Running > 0 ? ScheduledJobState.Running
            : ScheduledJobState.Scheduled;
        DateTimeOffset? next = _state == State.Running && !job.Paused ? job.NextRun : null;
        return new ScheduledJobInfo(job.Id, state, job.Schedule.Interval, job.Schedule.MaxInstances, job.Running, job.ConsecutiveFailures, next, job.LastResult);
    }

    // Under the lock.
    private DateTimeOffset Begin(ScheduledJob job, DateTimeOffset now)
    {
        job.NextNominal = now;
        job.NextRun = now + Jitter(job.Schedule);
        if (!job.Paused)
        {
            Arm(job, now);
        }

        return job.NextRun;
    }

    private TimeSpan Jitter(JobSchedule schedule)
        => schedule.StartJitter <= TimeSpan.Zero
            ? TimeSpan.Zero
            : TimeSpan.FromTicks((long)(schedule.StartJitter.Ticks * Math.Clamp(JitterFraction(), 0d, 1d)));

    // Under the lock.
    private void Arm(ScheduledJob job, DateTimeOffset now)
    {
        var due = job.WakeRun is { } wake && wake < job.NextRun ? wake : job.NextRun;
        var delay = due - now;
        if (delay <= TimeSpan.Zero)
        {
            // Due already: tick on the thread pool rather than through a zero-delay timer, which some time providers
            // (FakeTimeProvider) invoke synchronously, that is, inside this lock.
            ThreadPool.QueueUserWorkItem(static tick => tick.Run(), new Tick(this, job), preferLocal: false);
            return;
        }

        // Whole milliseconds, rounded up: timers truncate, and one that fires before NextRun only has to re-arm.
        var milliseconds = Math.Ceiling(Math.Min(delay.TotalMilliseconds, MaxTimerDelay.TotalMilliseconds));
        job.Timer?.Change(TimeSpan.FromMilliseconds(milliseconds), Timeout.InfiniteTimeSpan);
    }

    private void OnTimer(ScheduledJob job)
    {
        var missed = new List<JobRunResult>();
        var missedCount = 0L;
        var skipped = new List<JobRunResult>();
        lock (_gate)
        {
            if (_state != State.Running || job.Paused || job.Timer is null)
            {
                return;
            }

            var now = _time.GetUtcNow();
            if (now < job.NextRun)
            {
                if (job.WakeRun is { } wake && wake <= now)
                {
                    // A wake-up run: it does not move the interval grid, so the safety poll keeps its rhythm.
                    job.WakeRun = null;
                    if (job.Running >= job.Schedule.MaxInstances)
                    {
                        job.WakePending = true;
                    }
                    else
                    {
                        StartRuns(job, [now], completion: null);
                    }
                }

                Arm(job, now);
                return;
            }

            job.WakeRun = null;
            var s = job.Schedule;
            var first = job.NextRun;
            var nominal = job.NextNominal;

            // Further points of the interval grid that also fell due (the process stalled, or the clock jumped).
            var extra = now - nominal >= s.Interval ? (now - nominal).Ticks / s.Interval.Ticks : 0;
            DateTimeOffset At(long k) => k == 0 ? first : nominal + TimeSpan.FromTicks(s.Interval.Ticks * k);

            job.NextNominal = nominal + TimeSpan.FromTicks(s.Interval.Ticks * (extra + 1));
            job.NextRun = job.NextNominal + Jitter(s);

            var runs = new List<DateTimeOffset>();
            if (s.Coalesce)
            {
                // All the due runs become one: the latest, unless even that one is too late.
                var latest = At(extra);
                if (now - latest > s.MisfireGraceTime)
                {
                    missed.Add(Result(job, JobRunOutcome.Missed, latest, now));
                    missedCount = 1;
                }
                else
                {
                    runs.Add(latest);
                }
            }
            else
            {
                for (var k = 0L; k <= extra; k++)
                {
                    var at = At(k);
                    if (now - at > s.MisfireGraceTime)
                    {
                        missedCount++;
                        if (missed.Count < MaxMissedEventsPerTick)
                        {
                            missed.Add(Result(job, JobRunOutcome.Missed, at, now));
                        }
                    }
                    else
                    {
                        runs.Add(at);
                    }
                }
            }

            if (runs.Count > 0)
            {
                if (job.Running >= s.MaxInstances)
                {
                    skipped.AddRange(runs.Select(at => Result(job, JobRunOutcome.Skipped, at, now)));
                }
                else
                {
                    StartRuns(job, runs, completion: null);
                }
            }

            Arm(job, now);
        }

        if (missedCount > 0)
        {
            PipelineTelemetry.SchedulerMisses.Add(missedCount, new KeyValuePair<string, object?>(PipelineDiagnostics.JobIdTag, job.Id));
        }

        if (missed.Count > 0)
        {
            Log.JobMissed(_logger, job.Id, missed[0].ScheduledTime, missedCount, job.Schedule.MisfireGraceTime);
            foreach (var result in missed)
            {
                Raise(JobMissed, nameof(JobMissed), result);
            }
        }

        foreach (var result in skipped)
        {
            // A coalescing job merges due runs into one, and the run in progress is that one: the tick is absorbed,
            // not lost. Only a job that owes each due run its own execution loses one here.
            ReportSkipped(result, job.Schedule.MaxInstances, absorbed: job.Schedule.Coalesce);
        }
    }

    // Under the lock: takes one instance slot for a sequence of runs (one, or the catch-up of uncoalesced runs).
    private void StartRuns(ScheduledJob job, IReadOnlyList<DateTimeOffset> times, TaskCompletionSource<JobRunResult>? completion)
    {
        job.Running++;
        job.LastRunStart = _time.GetUtcNow();
        var task = Task.Run(() => RunSequenceAsync(job, times, completion));
        _inFlight.Add(task);
        _ = task.ContinueWith(
            static (t, s) =>
            {
                var scheduler = (JobScheduler)s!;
                lock (scheduler._gate)
                {
                    scheduler._inFlight.Remove(t);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task RunSequenceAsync(ScheduledJob job, IReadOnlyList<DateTimeOffset> times, TaskCompletionSource<JobRunResult>? completion)
    {
        var released = false;
        try
        {
            for (var i = 0; i < times.Count && !_stopping.IsCancellationRequested; i++)
            {
                var result = await ExecuteAsync(job, times[i]).ConfigureAwait(false);
                var last = i == times.Count - 1 || _stopping.IsCancellationRequested;
                var transition = Record(job, result, releaseInstance: last);
                released = last;
                Report(job, result, transition);
                completion?.TrySetResult(result);
            }
        }
        finally
        {
            if (!released)
            {
                lock (_gate)
                {
                    job.Running--;
                }
            }

            // A manual run asked for after the host began to stop: it never started.
            completion?.TrySetResult(Result(job, JobRunOutcome.Canceled, times[0], _time.GetUtcNow()));
        }
    }

    private async Task<JobRunResult> ExecuteAsync(ScheduledJob job, DateTimeOffset scheduledTime)
    {
        var start = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        try
        {
            var scope = _scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var context = new ScheduledJobContext(job.Id, scheduledTime, scope.ServiceProvider, _stopping.Token, _abort.Token);
                var items = await job.Definition.Execute(context).ConfigureAwait(false);
                return new JobRunResult(job.Id, JobRunOutcome.Succeeded, scheduledTime, start, _time.GetElapsedTime(started), items, null);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Cancellation at shutdown is not a failure.
            return new JobRunResult(job.Id, JobRunOutcome.Canceled, scheduledTime, start, _time.GetElapsedTime(started), 0, null);
        }
        catch (Exception ex)
        {
            return new JobRunResult(job.Id, JobRunOutcome.Failed, scheduledTime, start, _time.GetElapsedTime(started), 0, ex);
        }
    }

    /// <summary>Records a run's result and applies the failure policy: back off after too many failures, recover after a success.</summary>
    private Transition Record(ScheduledJob job, JobRunResult result, bool releaseInstance)
    {
        lock (_gate)
        {
            if (releaseInstance)
            {
                job.Running--;
            }

            job.LastResult = result;
            var reschedule = _state == State.Running && !job.Paused;
            var now = _time.GetUtcNow();
            if (job.WakePending && reschedule && job.Running < job.Schedule.MaxInstances && result.Outcome == JobRunOutcome.Succeeded)
            {
                // Notifications arrived while the run was busy: one more run for all of them.
                job.WakePending = false;
                ScheduleWake(job, job.WakeSpacing, now);
            }
            switch (result.Outcome)
            {
                case JobRunOutcome.Succeeded when job.BackingOff:
                    var failures = job.ConsecutiveFailures;
                    job.ConsecutiveFailures = 0;
                    if (reschedule)
                    {
                        // Back to the normal interval, counted from now.
                        job.NextNominal = now + job.Schedule.Interval;
                        job.NextRun = job.NextNominal + Jitter(job.Schedule);
                        Arm(job, now);
                    }

                    return new Transition(Recovered: failures, BackoffDelay: null, job.NextRun);

                case JobRunOutcome.Succeeded:
                    job.ConsecutiveFailures = 0;
                    return default;

                case JobRunOutcome.Failed:
                    job.ConsecutiveFailures++;
                    if (!job.BackingOff || !reschedule)
                    {
                        return default;
                    }

                    var delay = job.Schedule.BackoffDelay(job.ConsecutiveFailures);
                    job.NextNominal = now + delay;
                    job.NextRun = job.NextNominal;
                    Arm(job, now);
                    return new Transition(Recovered: 0, delay, job.NextRun);

                default:
                    return default;
            }
        }
    }

    private void Report(ScheduledJob job, JobRunResult result, Transition transition)
    {
        if (result.Outcome is JobRunOutcome.Succeeded or JobRunOutcome.Failed)
        {
            PipelineTelemetry.SchedulerRuns.Add(
                1,
                new KeyValuePair<string, object?>(PipelineDiagnostics.JobIdTag, job.Id),
                new KeyValuePair<string, object?>(PipelineDiagnostics.OutcomeTag, result.Outcome == JobRunOutcome.Succeeded ? "succeeded" : "failed"));
        }

        switch (result.Outcome)
        {
            case JobRunOutcome.Succeeded:
                Log.JobExecuted(_logger, job.Id, result.Items, result.Duration.TotalMilliseconds);
                if (transition.Recovered > 0)
                {
                    Log.JobRecovered(_logger, job.Id, transition.Recovered, transition.NextRun);
                }

                Raise(JobExecuted, nameof(JobExecuted), result);
                break;
            case JobRunOutcome.Failed:
                Log.JobFailed(_logger, result.Exception!, job.Id, job.Definition.Description);
                if (transition.BackoffDelay is { } delay)
                {
                    Log.JobBackingOff(_logger, job.Id, job.Schedule.MaxConsecutiveFailures, delay, transition.NextRun);
                }

                Raise(JobFailed, nameof(JobFailed), result);
                break;
            case JobRunOutcome.Canceled:
                Log.JobCanceled(_logger, job.Id);
                break;
        }
    }

    private void ReportSkipped(JobRunResult result, int maxInstances, bool absorbed = false)
    {
        (absorbed ? PipelineTelemetry.SchedulerAbsorbed : PipelineTelemetry.SchedulerSkips).Add(1, new KeyValuePair<string, object?>(PipelineDiagnostics.JobIdTag, result.JobId));
        Log.JobSkipped(_logger, result.JobId, result.ScheduledTime, maxInstances);
        Raise(JobSkipped, nameof(JobSkipped), result);
    }

    private void Raise(EventHandler<JobRunResult>? handlers, string name, JobRunResult result)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<JobRunResult>>())
        {
            try
            {
                handler(this, result);
            }
            catch (Exception ex)
            {
                // A subscriber's bug must not stop the scheduler or the job.
                Log.EventHandlerFailed(_logger, ex, name, result.JobId);
            }
        }
    }

    private static JobRunResult Result(ScheduledJob job, JobRunOutcome outcome, DateTimeOffset scheduled, DateTimeOffset now)
        => new(job.Id, outcome, scheduled, now, TimeSpan.Zero, 0, null);

    private readonly record struct Transition(int Recovered, TimeSpan? BackoffDelay, DateTimeOffset NextRun);

    /// <summary>The state of a job's timer callback (one allocation per job, not per tick).</summary>
    private sealed class Tick(JobScheduler scheduler, ScheduledJob job)
    {
        public void Run() => scheduler.OnTimer(job);
    }
}
