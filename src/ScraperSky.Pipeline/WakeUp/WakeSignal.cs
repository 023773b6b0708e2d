namespace ScraperSky.Pipeline.WakeUp;

/// <summary>
/// A workflow's wake-up: the listener raises it for each notification, and the scheduler turns any number of raises
/// into one run as soon as the job may run again (the debounce), at most one per <see cref="MinimumSpacing"/>.
/// </summary>
internal sealed class WakeSignal
{
    /// <summary>The shortest time between the starts of two runs of a workflow when notifications wake it.</summary>
    public static readonly TimeSpan MinimumSpacing = TimeSpan.FromMilliseconds(10);

    private long _raised;
    private volatile Action? _target;

    /// <summary>Gets how many times the signal was raised (for tests and logs).</summary>
    public long Raised => Interlocked.Read(ref _raised);

    /// <summary>Sets what a raise does (the scheduler's wake of the workflow's job).</summary>
    public void Connect(Action target) => _target = target;

    public void Set()
    {
        Interlocked.Increment(ref _raised);
        _target?.Invoke();
    }
}
