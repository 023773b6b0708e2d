namespace ScraperSky.Pipeline;

/// <summary>The name, interval and failure policy of a <see cref="PipelineService"/>, passed to its base constructor.</summary>
public sealed class PipelineServiceOptions
{
    /// <summary>The default interval between two updates: 1 minute.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);

    /// <summary>The default delay before retrying after a failed update: 30 seconds.</summary>
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>The default number of failed updates in a row after which the service faults: 5.</summary>
    public const int DefaultMaxConsecutiveFailures = 5;

    /// <summary>Gets or sets the service's name in logs, messages and health reports.</summary>
    /// <value>Default <see langword="null"/>: the service's type name.</value>
    public string? Name { get; set; }

    /// <summary>Gets or sets the time from the end of one successful update to the start of the next.</summary>
    /// <value>Default <see cref="DefaultInterval"/>; more than zero, at most one day.</value>
    public TimeSpan Interval { get; set; } = DefaultInterval;

    /// <summary>Gets or sets how many updates in a row may fail before the service stops as <see cref="PipelineServiceState.Faulted"/>.</summary>
    /// <value>Default <see cref="DefaultMaxConsecutiveFailures"/>; at least 1.</value>
    public int MaxConsecutiveFailures { get; set; } = DefaultMaxConsecutiveFailures;

    /// <summary>Gets or sets the time from a failed update to the next attempt.</summary>
    /// <value>Default <see cref="DefaultRetryDelay"/>; more than zero, at most one day.</value>
    public TimeSpan RetryDelay { get; set; } = DefaultRetryDelay;
}
