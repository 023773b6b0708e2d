namespace ScraperSky.Pipeline;

/// <summary>A status workflow's wake-up state on this host, from <see cref="IPipelineCatalog.GetWakeUpStatus"/>.</summary>
public sealed record WakeUpStatus
{
    /// <summary>Gets the state.</summary>
    public required WakeUpState State { get; init; }

    /// <summary>
    /// Gets why the workflow is <see cref="WakeUpState.Reconnecting"/> (the error of the last attempt) or
    /// <see cref="WakeUpState.PollingOnly"/> (pooler or trigger), or why it is <see cref="WakeUpState.Off"/>; otherwise <see langword="null"/>.
    /// </summary>
    public string? Reason { get; init; }

    /// <summary>Gets when the listener entered this state, or <see langword="null"/> when it has not started yet.</summary>
    public DateTimeOffset? Since { get; init; }
}
