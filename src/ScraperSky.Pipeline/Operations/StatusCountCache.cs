namespace ScraperSky.Pipeline.Operations;

/// <summary>How <see cref="StatusCountCache"/> asks for counts.</summary>
internal enum CountKind
{
    /// <summary>One grouped count with the short timeout; exact.</summary>
    Grouped,

    /// <summary>Each status counted up to the cap with the short timeout; exact only when no count reached the cap.</summary>
    Capped,

    /// <summary>One grouped count with the long timeout, in the background; exact.</summary>
    Background,
}

/// <summary>
/// One workflow's cached counts. A count is started at most once per period however many callers ask (they share
/// the count in flight, whether it succeeds or fails); the first count of a table, and every count of a table known to
/// be large, stops at the cap per status, so that a dashboard opened on a table of millions answers at once. When a
/// count reaches the cap, an exact count runs in the background (one at a time, and busy at most a tenth of the time)
/// and replaces the capped one when it finishes.
/// </summary>
internal sealed class StatusCountCache(Func<CountKind, CancellationToken, Task<StatusCounts>> count, Func<TimeSpan> period, TimeProvider time, Func<long> cap)
{
    private readonly object _gate = new();
    private Task<StatusCounts>? _current;
    private DateTimeOffset _startedAt;
    private bool _large = true;
    private Task? _exact;
    private DateTimeOffset _exactAllowedAt = DateTimeOffset.MinValue;

    /// <summary>Returns the cached counts, or the count in flight, or starts one when the cached counts are a period old.</summary>
    public ValueTask<StatusCounts> GetAsync(CancellationToken cancellationToken)
    {
        Task<StatusCounts> current;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_current is null || (_current.IsCompleted && now - _startedAt >= period()))
            {
                _startedAt = now;
                _current = RefreshAsync(now);
            }

            current = _current;
        }

        return current.IsCompletedSuccessfully ? ValueTask.FromResult(current.Result) : new ValueTask<StatusCounts>(current.WaitAsync(cancellationToken));
    }

    /// <summary>Waits for the background exact count, if one is running (a test seam).</summary>
    public Task WhenExactCountedAsync()
    {
        lock (_gate)
        {
            return _exact ?? Task.CompletedTask;
        }
    }

    private async Task<StatusCounts> RefreshAsync(DateTimeOffset startedAt)
    {
        // Leave the caller's lock before anything that could complete synchronously; no caller's token cancels a
        // count that other callers share (the statement timeout bounds it).
        await Task.Yield();
        bool large;
        lock (_gate)
        {
            large = _large;
        }

        if (!large)
        {
            try
            {
                var grouped = await count(CountKind.Grouped, CancellationToken.None).ConfigureAwait(false);
                if (Math.Max(Math.Max(grouped.Queued, grouped.Processing), Math.Max(grouped.Completed, grouped.Error)) <= cap())
                {
                    return grouped with { CountedAt = startedAt };
                }
            }
            catch (Exception ex) when (CatalogSession.IsTimeout(ex))
            {
                // Too large to count within the timeout: count up to the cap instead, now and from now on.
            }

            lock (_gate)
            {
                _large = true;
            }
        }

        var capped = await count(CountKind.Capped, CancellationToken.None).ConfigureAwait(false) with { CountedAt = startedAt };
        lock (_gate)
        {
            _large = !capped.IsExact;
            if (!capped.IsExact && _exact is null && time.GetUtcNow() >= _exactAllowedAt)
            {
                _exact = CountExactlyAsync();
            }
        }

        return capped;
    }

    private async Task CountExactlyAsync()
    {
        await Task.Yield();
        var started = time.GetUtcNow();
        try
        {
            var exact = await count(CountKind.Background, CancellationToken.None).ConfigureAwait(false) with { CountedAt = started };
            lock (_gate)
            {
                // Replace the cached counts unless a newer count already did (a refresh that started after this one).
                if (_current is { IsCompletedSuccessfully: true } current && current.Result.CountedAt <= started)
                {
                    // Fresh for a period from now: its CountedAt says when it was taken.
                    _current = Task.FromResult(exact);
                    _startedAt = time.GetUtcNow();
                }
            }
        }
        catch (Exception)
        {
            // The capped counts stay, marked inexact; a later refresh tries again.
        }
        finally
        {
            lock (_gate)
            {
                var finished = time.GetUtcNow();
                var busy = finished - started;
                _exactAllowedAt = finished + (period() > busy * 9 ? period() : busy * 9);
                _exact = null;
            }
        }
    }
}
