namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>
/// Bounded polling for end-to-end conditions that have no signal of their own (a host draining a table): checks every
/// 100 ms and gives up at the ceiling, so a test fails with its assertion rather than hanging.
/// </summary>
public static class Polling
{
    public static readonly TimeSpan DefaultCeiling = TimeSpan.FromSeconds(30);

    /// <summary>Returns true once <paramref name="condition"/> holds; false when the ceiling passes first.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan? ceiling = null)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        using var deadline = new CancellationTokenSource(ceiling ?? DefaultCeiling);
        while (await timer.WaitForNextTickAsync(CancellationToken.None) && !deadline.IsCancellationRequested)
        {
            if (await condition())
            {
                return true;
            }
        }

        return false;
    }
}
