using ScraperSky.SampleHost.Jobs;

namespace ScraperSky.SampleHost.Demo;

/// <summary>Waits until every job's queue is drained: nothing queued or processing, in one snapshot of all tables.</summary>
public static class DrainWatcher
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Returns <see langword="true"/> once drained, <see langword="false"/> when <paramref name="timeout"/> passes or <paramref name="cancellationToken"/> fires first.</summary>
    public static async Task<bool> WaitAsync(IServiceProvider services, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var counter = services.GetRequiredService<JobQueueCounter>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            do
            {
                var counts = await counter.CountByJobAsync(deadline.Token);
                if (counts.Values.All(c => c.IsDrained))
                {
                    return true;
                }
            }
            while (await timer.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException)
        {
            // The timeout passed, or the host is stopping (Ctrl+C): report "not drained", the caller prints what is.
        }

        return false;
    }
}
