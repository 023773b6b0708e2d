namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// The cancellation an item's processor receives: the host's abort or the item timeout, whichever comes first. One
/// instance serves the items of a batch or lane one after another. An item costs no timer operation: starting one only
/// records when it is due, and one timer, armed for the earliest due time it has seen, checks on firing whether the
/// item running then is past its own due time — cancelling it if so, or re-arming for it if not. So the timer fires
/// about once per item timeout, however many items start meanwhile; new token sources are made only after a timeout
/// or an abort actually fired.
/// </summary>
internal sealed class ItemDeadline : IDisposable
{
    private readonly TimeProvider _time;
    private readonly CancellationToken _abort;
    // A monitor rather than a Lock: re-entrant, because cancelling runs the processor's callbacks under it (see OnTimer).
    private readonly object _gate = new();
    private readonly ITimer _timer;
    private CancellationTokenSource _timeout;
    private CancellationTokenSource _linked;

    // Timestamps of the provider (TimeProvider.GetTimestamp); long.MaxValue: none.
    private long _due = long.MaxValue;
    private long _armedFor = long.MaxValue;
    private bool _disposed;
    private bool _cancelling;

    public ItemDeadline(TimeProvider time, CancellationToken abort)
    {
        _time = time;
        _abort = abort;
        (_timeout, _linked) = Create();
        _timer = time.CreateTimer(static state => ((ItemDeadline)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether the current item's timeout has fired.</summary>
    public bool TimedOut => _timeout.IsCancellationRequested;

    /// <summary>Sets the timeout for the next item and returns its token.</summary>
    public CancellationToken Start(TimeSpan timeout)
    {
        lock (_gate)
        {
            RenewIfFired();
            if (timeout == Timeout.InfiniteTimeSpan || timeout >= TimeSpan.FromDays(1000))
            {
                _due = long.MaxValue;
                return _linked.Token;
            }

            var now = _time.GetTimestamp();
            _due = now + (long)(timeout.Ticks * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
            if (_armedFor > _due)
            {
                // Nothing armed early enough: arm for this item. Otherwise the armed timer checks on this item when it fires.
                Arm(now);
            }

            return _linked.Token;
        }
    }

    /// <summary>The item ended: it is due no more; replaces the sources if its timeout or the abort fired.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            _due = long.MaxValue;
            RenewIfFired();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer.Dispose();
            _linked.Dispose();
            _timeout.Dispose();
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _armedFor = long.MaxValue;
            if (_disposed || _due == long.MaxValue)
            {
                return;
            }

            var now = _time.GetTimestamp();
            if (now < _due)
            {
                // The item that armed the timer ended; the one running now is due later.
                Arm(now);
                return;
            }

            // Under the lock, so that the item cannot finish and the next one start on this token meanwhile. The lock
            // is re-entrant: a processor that ends synchronously in a cancellation callback may call Finish here, which
            // then leaves the sources to the next Start rather than dispose them in the middle of their cancellation.
            _cancelling = true;
            try
            {
                _timeout.Cancel();
            }
            finally
            {
                _cancelling = false;
            }
        }
    }

    // Under the lock: new sources once the old ones were cancelled (the item's timeout or the host's abort fired).
    private void RenewIfFired()
    {
        if (_linked.IsCancellationRequested && !_cancelling)
        {
            _linked.Dispose();
            _timeout.Dispose();
            (_timeout, _linked) = Create();
        }
    }

    // Under the lock.
    private void Arm(long now)
    {
        var wait = TimeSpan.FromTicks(Math.Max(0, (long)((_due - now) * (TimeSpan.TicksPerSecond / (double)_time.TimestampFrequency))));
        _timer.Change(wait, Timeout.InfiniteTimeSpan);
        _armedFor = _due;
    }

    private (CancellationTokenSource Timeout, CancellationTokenSource Linked) Create()
    {
        var timeout = new CancellationTokenSource();
        return (timeout, CancellationTokenSource.CreateLinkedTokenSource(_abort, timeout.Token));
    }
}
