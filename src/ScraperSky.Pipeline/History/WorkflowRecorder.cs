using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.History;

/// <summary>
/// One workflow's activity on this host, aggregated in memory for the history rollup. The hot path only adds to
/// running totals (<see cref="Interlocked"/>, no lock, no allocation); a flush reads the totals and hands on what was
/// added since the previous flush, so an item counted while a flush reads is never lost, only counted in the next
/// one. Failures (rarer, and they carry text) are grouped under a lock by normalised message.
/// </summary>
internal sealed class WorkflowRecorder : IWorkflowActivitySink
{
    /// <summary>The most failure groups one flush keeps per workflow; the rest count under <see cref="OtherMessages"/>.</summary>
    public const int MaxGroupsPerFlush = 100;

    /// <summary>The group that counts failures beyond <see cref="MaxGroupsPerFlush"/> distinct messages.</summary>
    public const string OtherMessages = "(other messages)";

    private const int CompletedIndex = 0;
    private const int FailedIndex = 1;
    private const int RetriedIndex = 2;
    private const int SnoozedIndex = 3;
    private const int RescuedIndex = 4;
    private const int WaitIndex = 5;
    private static readonly int ProcessingIndex = WaitIndex + HistoryBuckets.Count;

    private readonly TimeProvider _time;
    private readonly long[] _totals = new long[WaitIndex + (2 * HistoryBuckets.Count)];
    private readonly long[] _flushed = new long[WaitIndex + (2 * HistoryBuckets.Count)];
    private readonly Lock _failuresGate = new();
    private Dictionary<string, FailureGroup> _failures = new(StringComparer.Ordinal);
    private long _waitMaxMicroseconds;
    private long _processingMaxMicroseconds;

    public WorkflowRecorder(string workflow, TimeProvider time)
    {
        Workflow = workflow;
        _time = time;
    }

    public string Workflow { get; }

    public void Waited(TimeSpan wait) => Record(WaitIndex, ref _waitMaxMicroseconds, wait);

    public void Processed(TimeSpan elapsed, string outcome, string? reason, object? key)
    {
        switch (outcome)
        {
            case "stopped":
                // Cut short by the host stopping: neither a duration nor a failure of the item.
                return;
            case "snoozed":
                Interlocked.Increment(ref _totals[SnoozedIndex]);
                break;
            case "failed" or "threw" or "timed_out" or "retry":
                Failed(reason ?? outcome, key);
                break;
        }

        Record(ProcessingIndex, ref _processingMaxMicroseconds, elapsed);
    }

    public void Outcomes(int completed, int failed, int retried)
    {
        Add(CompletedIndex, completed);
        Add(FailedIndex, failed);
        Add(RetriedIndex, retried);
    }

    public void Rescued(int count) => Add(RescuedIndex, count);

    /// <summary>Returns what was counted since the previous call and the failures gathered meanwhile. One caller at a time.</summary>
    public (MinuteCounts Counts, IReadOnlyCollection<FailureGroup> Failures) TakeDelta()
    {
        var counts = new MinuteCounts
        {
            Completed = Delta(CompletedIndex),
            Failed = Delta(FailedIndex),
            Retried = Delta(RetriedIndex),
            Snoozed = Delta(SnoozedIndex),
            Rescued = Delta(RescuedIndex),
            WaitMax = Interlocked.Exchange(ref _waitMaxMicroseconds, 0) / 1000.0,
            ProcessingMax = Interlocked.Exchange(ref _processingMaxMicroseconds, 0) / 1000.0,
        };
        for (var i = 0; i < HistoryBuckets.Count; i++)
        {
            counts.Wait[i] = Delta(WaitIndex + i);
            counts.Processing[i] = Delta(ProcessingIndex + i);
        }

        Dictionary<string, FailureGroup> failures;
        lock (_failuresGate)
        {
            failures = _failures;
            _failures = new Dictionary<string, FailureGroup>(StringComparer.Ordinal);
        }

        return (counts, failures.Values);
    }

    private void Failed(string reason, object? key)
    {
        var message = ErrorMessageNormalizer.Normalize(reason);
        var at = _time.GetUtcNow();
        lock (_failuresGate)
        {
            if (!_failures.TryGetValue(message, out var group))
            {
                if (_failures.Count >= MaxGroupsPerFlush && !_failures.TryGetValue(OtherMessages, out group))
                {
                    group = _failures[OtherMessages] = new FailureGroup(OtherMessages);
                }
                else if (group is null)
                {
                    group = _failures[message] = new FailureGroup(message);
                }
            }

            group.Add(at, key);
        }
    }

    private long Delta(int index)
    {
        var total = Volatile.Read(ref _totals[index]);
        var delta = total - _flushed[index];
        _flushed[index] = total;
        return delta;
    }

    private void Add(int index, int count)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _totals[index], count);
        }
    }

    private void Record(int offset, ref long max, TimeSpan value)
    {
        var milliseconds = value.TotalMilliseconds;
        Interlocked.Increment(ref _totals[offset + HistoryBuckets.IndexOf(milliseconds)]);
        var microseconds = value.Ticks / TimeSpan.TicksPerMicrosecond;
        var current = Volatile.Read(ref max);
        while (microseconds > current)
        {
            var seen = Interlocked.CompareExchange(ref max, microseconds, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }
    }
}
