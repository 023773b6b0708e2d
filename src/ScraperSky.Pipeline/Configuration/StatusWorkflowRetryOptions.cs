namespace ScraperSky.Pipeline;

/// <summary>How failed items are retried: <see cref="StatusWorkflowOptions.Retry"/>.</summary>
public sealed class StatusWorkflowRetryOptions
{
    /// <summary>The default <see cref="MaxAttempts"/>.</summary>
    public const int DefaultMaxAttempts = 5;

    /// <summary>The default <see cref="Delay"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(10);

    /// <summary>The default <see cref="MaxDelay"/>: 1 hour.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets how many times an item is attempted before a failure (or, in lease mode, an expired lease) ends it
    /// as error; in atomic mode it bounds the isolated attempts of a failing batch.
    /// </summary>
    /// <value>Default <see cref="DefaultMaxAttempts"/> (5); at least 1.</value>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>Gets or sets the first retry delay of a failed lease-mode item; each further attempt doubles it, with jitter.</summary>
    /// <value>Default <see cref="DefaultDelay"/> (10 seconds); zero or more.</value>
    public TimeSpan Delay { get; set; } = DefaultDelay;

    /// <summary>Gets or sets the longest retry delay.</summary>
    /// <value>Default <see cref="DefaultMaxDelay"/> (1 hour); at least <see cref="Delay"/>.</value>
    public TimeSpan MaxDelay { get; set; } = DefaultMaxDelay;
}
