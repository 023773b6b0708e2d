using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Lifecycle;

namespace ScraperSky.Pipeline;

/// <summary>
/// A long-running background service with the seeds' <c>AbstractService</c> lifecycle: configured once, updated on an
/// interval, retried after a failure, stopped as <see cref="PipelineServiceState.Faulted"/> after too many failures in a
/// row (logged and reported by the health check), and paused, resumed and cleaned up on request. Register it with
/// <c>services.AddPipelineService&lt;T&gt;()</c>; it starts and stops with the host.
/// </summary>
/// <remarks>
/// Invalid transitions (pausing a stopped service, starting twice) throw <see cref="InvalidOperationException"/> naming
/// the service, its state and the transition. As with <see cref="BackgroundService"/>, stopping a service that never
/// started does nothing, stopping twice is safe, and cancellation at shutdown is not a failure.
/// </remarks>
public abstract class PipelineService : IHostedService, IDisposable
{
    private readonly object _gate = new();
    private readonly TimeSpan _interval;
    private readonly int _maxFailures;
    private readonly TimeSpan _retryDelay;
    private readonly ConcurrentDictionary<PipelineServiceState, TaskCompletionSource> _reached = new();
    private PipelineServiceState _state;
    private TaskCompletionSource _resumed = Completed();
    private CancellationTokenSource? _stopping;
    private Task? _loop;
    private int _failures;
    private Exception? _lastError;
    private bool _stopDuringStart;
    private int _cleanedUp;

    /// <summary>Initializes the service with its name, interval and failure policy.</summary>
    /// <param name="options">The settings; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">A setting is out of range; the message names the service and the setting.</exception>
    protected PipelineService(PipelineServiceOptions? options = null)
    {
        options ??= new PipelineServiceOptions();
        Name = string.IsNullOrWhiteSpace(options.Name) ? GetType().Name : options.Name;
        var problems = new List<string>();
        if (options.Interval <= TimeSpan.Zero || options.Interval > TimeSpan.FromDays(1))
        {
            problems.Add($"Interval must be more than zero and at most one day (was {options.Interval}).");
        }

        if (options.MaxConsecutiveFailures < 1)
        {
            problems.Add($"MaxConsecutiveFailures must be at least 1 (was {options.MaxConsecutiveFailures}).");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.RetryDelay > TimeSpan.FromDays(1))
        {
            problems.Add($"RetryDelay must be more than zero and at most one day (was {options.RetryDelay}).");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Pipeline service '{Name}': {string.Join(" ", problems)}", nameof(options));
        }

        _interval = options.Interval;
        _maxFailures = options.MaxConsecutiveFailures;
        _retryDelay = options.RetryDelay;
    }

    /// <summary>Gets the service's name.</summary>
    public string Name { get; }

    /// <summary>Gets the service's lifecycle state.</summary>
    public PipelineServiceState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Gets how many updates in a row have failed (reset by an update that succeeds).</summary>
    public int ConsecutiveFailures
    {
        get
        {
            lock (_gate)
            {
                return _failures;
            }
        }
    }

    /// <summary>Gets the exception of the last failed update (or configuration), or <see langword="null"/>.</summary>
    public Exception? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    /// <summary>The clock of the interval and the retry delay; set from the container by <c>AddPipelineService</c>.</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>Test signal: called with the delay each time the loop starts waiting (after its timer exists); infinite while paused.</summary>
    internal Action<TimeSpan>? Waiting { get; set; }

    internal TimeSpan Interval => _interval;

    internal int MaxConsecutiveFailures => _maxFailures;

    /// <summary>
    /// Starts the service: runs <see cref="ConfigureAsync"/> once, then calls <see cref="UpdateAsync"/> at once and on
    /// every interval in the background. A configuration that throws faults the service and fails the start.
    /// </summary>
    /// <param name="cancellationToken">Cancels the configuration.</param>
    /// <returns>A task that completes when the service is configured and its loop has started.</returns>
    /// <exception cref="InvalidOperationException">The service has already been started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            MoveTo(PipelineServiceState.Starting, "start");
        }

        try
        {
            await ConfigureAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _lastError = ex;
                SetState(PipelineServiceState.Faulted);
            }

            Log.ServiceConfigureFailed(Logger, ex, Name);
            await CleanupOnceAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        bool stopNow;
        lock (_gate)
        {
            stopNow = _stopDuringStart;
            if (stopNow)
            {
                SetState(PipelineServiceState.Stopping);
            }
            else
            {
                SetState(PipelineServiceState.Running);
                _stopping = new CancellationTokenSource();
                var token = _stopping.Token;
                _loop = Task.Run(() => RunAsync(token), CancellationToken.None);
            }
        }

        if (stopNow)
        {
            await FinishStopAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        Log.ServiceStarted(Logger, Name, _interval);
    }

    /// <summary>
    /// Stops the service: the update in progress sees its token cancelled, then <see cref="CleanupAsync"/> runs. Stopping a
    /// service that never started, or that has stopped or faulted, does nothing.
    /// </summary>
    /// <param name="cancellationToken">Signalled when the host's shutdown timeout has passed: stop waiting for the update.</param>
    /// <returns>A task that completes when the service has stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? loop;
        lock (_gate)
        {
            switch (_state)
            {
                case PipelineServiceState.Starting:
                    _stopDuringStart = true;
                    return;
                case PipelineServiceState.Running or PipelineServiceState.Paused:
                    MoveTo(PipelineServiceState.Stopping, "stop");
                    loop = _loop;
                    break;
                default:
                    return;
            }
        }

        await _stopping!.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop!.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout: like BackgroundService, stop waiting for an update that ignores its token.
        }

        await FinishStopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pauses the service: no update starts until <see cref="Resume"/> (an update in progress finishes). Pausing a paused service does nothing.</summary>
    /// <exception cref="InvalidOperationException">The service is not running.</exception>
    public void Pause()
    {
        lock (_gate)
        {
            if (_state == PipelineServiceState.Paused)
            {
                return;
            }

            MoveTo(PipelineServiceState.Paused, "pause");
            _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Log.ServicePaused(Logger, Name);
    }

    /// <summary>Resumes a paused service: the next update starts when its pending delay ends. Resuming a running service does nothing.</summary>
    /// <exception cref="InvalidOperationException">The service is neither paused nor running.</exception>
    public void Resume()
    {
        TaskCompletionSource resumed;
        lock (_gate)
        {
            if (_state == PipelineServiceState.Running)
            {
                return;
            }

            MoveTo(PipelineServiceState.Running, "resume");
            resumed = _resumed;
        }

        resumed.TrySetResult();
        Log.ServiceResumed(Logger, Name);
    }

    /// <summary>Releases the service's stop signal.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Test signal: completes when the service has reached <paramref name="state"/>.</summary>
    internal Task Reached(PipelineServiceState state)
    {
        var signal = _reached.GetOrAdd(state, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            if (_state == state)
            {
                signal.TrySetResult();
            }
        }

        return signal.Task;
    }

    /// <summary>Sets the clock and the logger from the container; called by <c>AddPipelineService</c>.</summary>
    internal void Attach(TimeProvider timeProvider, ILoggerFactory? loggers)
    {
        TimeProvider = timeProvider;
        if (loggers is not null)
        {
            Logger = loggers.CreateLogger(GetType());
        }
    }

    /// <summary>Performs the one-time set-up of the service (the seeds' <c>_configure_service</c>); runs once, when it starts.</summary>
    /// <param name="cancellationToken">Cancels the set-up.</param>
    /// <returns>A task that completes when the service is configured.</returns>
    protected virtual Task ConfigureAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Performs the service's work once (the seeds' <c>update</c>); called at start and then on every interval.</summary>
    /// <param name="stoppingToken">Signalled when the service is stopping; cancellation then is not a failure.</param>
    /// <returns>A task that completes when the work is done; a fault counts as a failed update.</returns>
    protected abstract Task UpdateAsync(CancellationToken stoppingToken);

    /// <summary>Releases what the service holds (the seeds' <c>cleanup</c>); runs once, when it stops or faults.</summary>
    /// <param name="cancellationToken">Signalled when the host's shutdown timeout has passed.</param>
    /// <returns>A task that completes when the resources are released.</returns>
    protected virtual Task CleanupAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Releases the stop signal.</summary>
    /// <param name="disposing"><see langword="true"/> when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                // Cancelled rather than disposed: a loop that outlived the host may still read the token.
                _stopping?.Cancel();
            }
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Task resumed;
            lock (_gate)
            {
                resumed = _resumed.Task;
            }

            try
            {
                if (!resumed.IsCompleted)
                {
                    Waiting?.Invoke(Timeout.InfiniteTimeSpan);
                }

                await resumed.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            TimeSpan delay;
            try
            {
                await UpdateAsync(stopping).ConfigureAwait(false);
                int recovered;
                lock (_gate)
                {
                    recovered = _failures;
                    _failures = 0;
                }

                if (recovered > 0)
                {
                    Log.ServiceRecovered(Logger, Name, recovered);
                }

                delay = _interval;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                int failures;
                bool fault;
                lock (_gate)
                {
                    _failures++;
                    _lastError = ex;
                    failures = _failures;
                    fault = failures >= _maxFailures && _state is PipelineServiceState.Running or PipelineServiceState.Paused;
                    if (fault)
                    {
                        SetState(PipelineServiceState.Faulted);
                    }
                }

                if (fault)
                {
                    Log.ServiceFaulted(Logger, ex, Name, failures);
                    await CleanupOnceAsync(CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                Log.ServiceUpdateFailed(Logger, ex, Name, failures, _maxFailures, _retryDelay);
                delay = _retryDelay;
            }

            try
            {
                var wait = Task.Delay(delay, TimeProvider, stopping);
                Waiting?.Invoke(delay);
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task FinishStopAsync(CancellationToken cancellationToken)
    {
        await CleanupOnceAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_state == PipelineServiceState.Stopping)
            {
                SetState(PipelineServiceState.Stopped);
            }
        }

        Log.ServiceStopped(Logger, Name);
    }

    private async Task CleanupOnceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _cleanedUp, 1) == 1)
        {
            return;
        }

        try
        {
            await CleanupAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.ServiceCleanupFailed(Logger, ex, Name);
        }
    }

    // Under the lock.
    private void MoveTo(PipelineServiceState next, string action)
    {
        if (!ServiceStateMachine.IsValid(_state, next))
        {
            throw ServiceStateMachine.Invalid(Name, _state, next, action);
        }

        SetState(next);
    }

    // Under the lock.
    private void SetState(PipelineServiceState next)
    {
        _state = next;
        if (_reached.TryGetValue(next, out var signal))
        {
            signal.TrySetResult();
        }
    }
}
