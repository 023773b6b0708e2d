using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.History;

/// <summary>
/// This host's history: a <see cref="WorkflowRecorder"/> per workflow (the engine's telemetry reports to it), and the
/// flush that, once a minute, adds what every workflow counted since the previous flush to the stored minute — one
/// round trip for all workflows — and, once an hour, applies the retention if this host is elected. What cannot be
/// written (the database is away) waits for the next flush, up to <see cref="MaxPendingMinutes"/> minutes.
/// </summary>
internal sealed class HistoryRecorder : IWorkflowActivityObserver
{
    /// <summary>How often a host tries to apply the retention.</summary>
    public static readonly TimeSpan RetentionInterval = TimeSpan.FromHours(1);

    /// <summary>The most unwritten minutes per workflow kept in memory while the database is away; older ones are dropped.</summary>
    public const int MaxPendingMinutes = 60;

    private readonly ConcurrentDictionary<string, WorkflowRecorder> _workflows = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly Dictionary<(string Workflow, DateTimeOffset Minute), MinuteCounts> _pendingMinutes = [];
    private readonly Dictionary<(string Workflow, string Message, DateTimeOffset Hour), FailureGroup> _pendingErrors = [];
    private readonly HistoryStore _store;
    private readonly PipelineHistoryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _schemaApplied;
    private DateTimeOffset? _lastRetention;

    public HistoryRecorder(HistoryStore store, PipelineHistoryOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised after each flush, with what it did (a test signal).</summary>
    internal event Action<HistoryFlushResult>? Flushed;

    public TimeProvider Time => _time;

    public IWorkflowActivitySink Observe(string workflow) => _workflows.GetOrAdd(workflow, static (name, time) => new WorkflowRecorder(name, time), _time);

    /// <summary>Returns the minute <paramref name="at"/> falls in.</summary>
    public static DateTimeOffset MinuteOf(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    /// <summary>Returns the hour <paramref name="at"/> falls in.</summary>
    public static DateTimeOffset HourOf(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);

    /// <summary>
    /// Adds what every workflow counted since the previous flush to <paramref name="minute"/> (the minute of now when
    /// null; the minute timer passes the minute that just ended), writes everything pending, and applies the retention
    /// when an hour has passed since this host last did. Flushes run one at a time.
    /// </summary>
    public async Task<HistoryFlushResult> FlushAsync(DateTimeOffset? minute = null, CancellationToken cancellationToken = default)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            Gather(MinuteOf(minute ?? now));
            var result = new HistoryFlushResult();
            if (_pendingMinutes.Count > 0 || _pendingErrors.Count > 0)
            {
                await WritePendingAsync(result, cancellationToken).ConfigureAwait(false);
            }

            if (_schemaApplied || !_options.ApplySchema)
            {
                if (_lastRetention is null || now - _lastRetention >= RetentionInterval)
                {
                    await ApplyRetentionAsync(now, result, cancellationToken).ConfigureAwait(false);
                }
            }

            Flushed?.Invoke(result);
            return result;
        }
        finally
        {
            _flushGate.Release();
        }
    }

    private void Gather(DateTimeOffset minute)
    {
        var hour = HourOf(minute);
        foreach (var recorder in _workflows.Values)
        {
            var (counts, failures) = recorder.TakeDelta();
            if (!counts.IsEmpty)
            {
                if (_pendingMinutes.TryGetValue((recorder.Workflow, minute), out var pending))
                {
                    pending.Add(counts);
                }
                else
                {
                    _pendingMinutes[(recorder.Workflow, minute)] = counts;
                }
            }

            foreach (var failure in failures)
            {
                var key = (recorder.Workflow, failure.Message, hour);
                if (_pendingErrors.TryGetValue(key, out var pending))
                {
                    pending.Merge(failure);
                }
                else
                {
                    _pendingErrors[key] = failure;
                }
            }
        }
    }

    private async Task WritePendingAsync(HistoryFlushResult result, CancellationToken cancellationToken)
    {
        try
        {
            if (_options.ApplySchema && !_schemaApplied)
            {
                await _store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
                _schemaApplied = true;
                result.Statements++;
            }

            var minutes = _pendingMinutes.Select(p => new PendingMinute(p.Key.Workflow, p.Key.Minute, p.Value)).ToList();
            var errors = _pendingErrors.Select(p => new PendingErrors(p.Key.Workflow, p.Key.Hour, p.Value)).ToList();
            result.Statements += await _store.WriteAsync(minutes, errors, cancellationToken).ConfigureAwait(false);
            result.RoundTrips++;
            result.Minutes = minutes.Count;
            result.ErrorGroups = errors.Count;
            _pendingMinutes.Clear();
            _pendingErrors.Clear();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.HistoryWriteFailed(_logger, ex, _pendingMinutes.Count, _pendingErrors.Count);
            result.Failed = true;
            DropOldest();
        }
    }

    private async Task ApplyRetentionAsync(DateTimeOffset now, HistoryFlushResult result, CancellationToken cancellationToken)
    {
        try
        {
            var (elected, minutes, errors) = await _store.ApplyRetentionAsync(now - _options.Retention, cancellationToken).ConfigureAwait(false);
            _lastRetention = now;
            result.Statements++;
            result.RetentionElected = elected;
            if (elected && minutes + errors > 0)
            {
                Log.HistoryRetentionApplied(_logger, minutes, errors, _options.Retention);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.HistoryRetentionFailed(_logger, ex);
            result.Failed = true;
        }
    }

    // Keeps the newest MaxPendingMinutes minutes per workflow while the database is away.
    private void DropOldest()
    {
        foreach (var workflow in _pendingMinutes.Keys.Select(k => k.Workflow).Distinct(StringComparer.Ordinal).ToList())
        {
            var old = _pendingMinutes.Keys.Where(k => k.Workflow == workflow).OrderByDescending(k => k.Minute).Skip(MaxPendingMinutes).ToList();
            foreach (var key in old)
            {
                _pendingMinutes.Remove(key);
            }

            if (old.Count > 0)
            {
                Log.HistoryMinutesDropped(_logger, workflow, old.Count);
            }
        }

        var oldestHour = HourOf(_time.GetUtcNow() - TimeSpan.FromMinutes(MaxPendingMinutes));
        foreach (var key in _pendingErrors.Keys.Where(k => k.Hour < oldestHour).ToList())
        {
            _pendingErrors.Remove(key);
        }
    }
}
