namespace ScraperSky.Pipeline.WakeUp;

/// <summary>
/// A workflow's wake-up flag. Any number of notifications set it; the workflow's loop consumes it once per run, so a
/// burst of notifications during a run causes one more run, not one per notification (the debounce).
/// </summary>
internal sealed class WakeSignal
{
    /// <summary>The shortest time between the starts of two runs of a workflow when notifications wake it.</summary>
    public static readonly TimeSpan MinimumSpacing = TimeSpan.FromMilliseconds(25);

    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _raised;

    /// <summary>Gets how many times the signal was raised (for tests and logs).</summary>
    public long Raised => Interlocked.Read(ref _raised);

    public void Set()
    {
        Interlocked.Increment(ref _raised);
        Volatile.Read(ref _signal).TrySetResult();
    }

    /// <summary>Returns a task that completes at the next <see cref="Set"/> (or at once if one is pending), and clears the flag when it does.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _signal);
        await current.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.CompareExchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
    }
}
