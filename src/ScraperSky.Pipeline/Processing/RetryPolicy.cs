namespace ScraperSky.Pipeline.Processing;

/// <summary>Exponential back-off with jitter for failed lease-mode attempts.</summary>
internal static class RetryPolicy
{
    /// <summary>
    /// The delay after failed attempt <paramref name="attempt"/> (1-based): <c>RetryDelay × 2^(attempt−1)</c>, capped at
    /// <c>MaxRetryDelay</c>, then "equal jitter" — a random point in its upper half — so that items failing together
    /// (a remote service down) do not come back together.
    /// </summary>
    public static TimeSpan Delay(StatusWorkflowOptions options, int attempt, double random)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var ticks = Math.Min(options.Retry.Delay.Ticks * Math.Pow(2, exponent), options.Retry.MaxDelay.Ticks);
        return TimeSpan.FromTicks((long)((ticks / 2) + (ticks / 2 * random)));
    }
}
