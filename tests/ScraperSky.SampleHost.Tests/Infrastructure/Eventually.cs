namespace ScraperSky.SampleHost.Tests.Infrastructure;

/// <summary>
/// Awaits a condition the host reaches on its own (a workflow finishing a row) by asking the database every 100 ms,
/// with a ceiling: no fixed sleeps, and a failure message that names what never happened.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultCeiling = TimeSpan.FromSeconds(45);

    /// <summary>Returns the first non-null answer of <paramref name="probe"/>.</summary>
    /// <exception cref="TimeoutException">No answer within the ceiling.</exception>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? ceiling = null)
        where T : class
    {
        var limit = ceiling ?? DefaultCeiling;
        using var deadline = new CancellationTokenSource(limit);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            do
            {
                if (await probe() is { } answer)
                {
                    return answer;
                }
            }
            while (await timer.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"{what} did not happen within {limit.TotalSeconds:0} s.");
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? ceiling = null)
        => UntilAsync<object>(async () => await condition() ? new object() : null, what, ceiling);
}
