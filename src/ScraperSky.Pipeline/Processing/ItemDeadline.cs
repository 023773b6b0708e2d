namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// The cancellation an item's processor receives: the host's abort or the item timeout, whichever comes first. One
/// instance serves the items of a batch or lane one after another, re-armed per item, so that an item costs no new
/// timer and no new token sources unless its timeout actually fired.
/// </summary>
internal sealed class ItemDeadline : IDisposable
{
    private readonly TimeProvider _time;
    private readonly CancellationToken _abort;
    private CancellationTokenSource _timeout;
    private CancellationTokenSource _linked;

    public ItemDeadline(TimeProvider time, CancellationToken abort)
    {
        _time = time;
        _abort = abort;
        (_timeout, _linked) = Create();
    }

    /// <summary>Whether the current item's timeout has fired.</summary>
    public bool TimedOut => _timeout.IsCancellationRequested;

    /// <summary>Arms the timeout for the next item and returns its token.</summary>
    public CancellationToken Start(TimeSpan timeout)
    {
        _timeout.CancelAfter(timeout);
        return _linked.Token;
    }

    /// <summary>Disarms the timeout after an item; replaces the sources if they were cancelled.</summary>
    public void Finish()
    {
        _timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        if (_linked.IsCancellationRequested || !_timeout.TryReset())
        {
            Dispose();
            (_timeout, _linked) = Create();
        }
    }

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }

    private (CancellationTokenSource Timeout, CancellationTokenSource Linked) Create()
    {
        var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        return (timeout, CancellationTokenSource.CreateLinkedTokenSource(_abort, timeout.Token));
    }
}
