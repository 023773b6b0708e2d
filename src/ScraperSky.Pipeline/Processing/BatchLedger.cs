using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// The outcomes of one lease-mode batch as they were decided and written, from every lane (thread-safe): those written
/// in their item's own transaction, and those handed to the completer with the flush that carries them. Tallied once
/// the batch's flushes have finished, into the batch's counts and the time its earliest retry falls due.
/// </summary>
internal sealed class BatchLedger
{
    private readonly Lock _gate = new();
    private readonly List<(object? Key, Decision Decision, Task<FlushResult> Flush)> _queued;
    private int _completed;
    private int _failed;
    private int _retried;
    private int _lost;
    private SortedSet<DateTimeOffset>? _due;

    public BatchLedger(int capacity) => _queued = new(capacity);

    /// <summary>Records an outcome handed to the completer.</summary>
    public void Queued(object? key, Decision decision, Task<FlushResult> flush)
    {
        lock (_gate)
        {
            _queued.Add((key, decision, flush));
        }
    }

    /// <summary>Records an outcome written in the item's own transaction at <paramref name="at"/> (host time).</summary>
    public void Written(object? key, Decision decision, DateTimeOffset at)
    {
        lock (_gate)
        {
            Count(decision, at);
        }
    }

    /// <summary>Records an outcome that was refused (the row is no longer this claim's) or left to the lease.</summary>
    public void Lost()
    {
        lock (_gate)
        {
            _lost++;
        }
    }

    /// <summary>Waits for the flushes of the queued outcomes and returns the batch's counts and the times its retries fall due.</summary>
    public async Task<WorkflowRunResult> TallyAsync(int claimed)
    {
        (object? Key, Decision Decision, Task<FlushResult> Flush)[] queued;
        lock (_gate)
        {
            queued = [.. _queued];
        }

        foreach (var (key, decision, flush) in queued)
        {
            var result = await flush.ConfigureAwait(false);
            lock (_gate)
            {
                if (result.Refused.Contains(key) || result.Unwritten.Contains(key))
                {
                    _lost++;
                }
                else
                {
                    Count(key is not null && result.Replaced.TryGetValue(key, out var replaced) ? replaced : decision, result.CompletedAt);
                }
            }
        }

        lock (_gate)
        {
            return new WorkflowRunResult(1, claimed, _completed, _failed) { Retried = _retried, Lost = _lost, DueTimes = _due };
        }
    }

    /// <summary>Rounds a due time up to the next 50 ms, so that rows falling due together wake the workflow once.</summary>
    public static DateTimeOffset DueTime(DateTimeOffset at)
    {
        const long Step = TimeSpan.TicksPerMillisecond * 50;
        var ticks = (at.UtcTicks + Step - 1) / Step * Step;
        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    // Under the lock.
    private void Count(Decision decision, DateTimeOffset writtenAt)
    {
        switch (decision.Kind)
        {
            case WorkflowSql.CompletedKind:
                _completed++;
                break;
            case WorkflowSql.ErrorKind:
                _failed++;
                break;
            case WorkflowSql.RetryKind:
            case WorkflowSql.SnoozeKind:
                _retried++;
                break;
        }

        if (decision.IsDue)
        {
            // Written at writtenAt with the database's now() no later than that: due no later than this on the host.
            (_due ??= []).Add(DueTime(writtenAt + decision.Delay));
        }
    }
}
