namespace ScraperSky.Pipeline.Diagnostics;

/// <summary>
/// A workflow's cached queue depth for the observable gauge. Observing never queries: it returns the cached count
/// and, when that is older than the refresh period, starts one background count — so the gauge costs at most one
/// count query per workflow per period, and nothing while nobody observes it.
/// </summary>
internal sealed class QueueDepthSource(Func<CancellationToken, Task<long>> count, Func<TimeSpan> period, TimeProvider time)
{
    private readonly object _gate = new();
    private long? _depth;
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;
    private Task? _refreshing;

    /// <summary>Gets how many count queries were started (for tests).</summary>
    public int Refreshes { get; private set; }

    public long? Observe()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_refreshing is null && now - _refreshedAt >= period())
            {
                _refreshedAt = now;
                Refreshes++;
                _refreshing = RefreshAsync();
            }

            return _depth;
        }
    }

    /// <summary>Waits for a refresh in progress (for tests).</summary>
    public Task WhenRefreshedAsync()
    {
        lock (_gate)
        {
            return _refreshing ?? Task.CompletedTask;
        }
    }

    private async Task RefreshAsync()
    {
        // Leave the caller's lock before doing anything that could complete synchronously.
        await Task.Yield();
        try
        {
            var depth = await count(CancellationToken.None).ConfigureAwait(false);
            lock (_gate)
            {
                _depth = depth;
            }
        }
        catch (Exception)
        {
            // A failed count keeps the last known depth; the next period tries again.
        }
        finally
        {
            lock (_gate)
            {
                _refreshing = null;
            }
        }
    }
}
