namespace ScraperSky.Pipeline;

/// <summary>One step of a workflow's history (<see cref="IPipelineHistory.GetSeriesAsync"/>), summed over every host.</summary>
public sealed record PipelineHistoryPoint
{
    /// <summary>Gets the start of the step.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>Gets the items that ended completed.</summary>
    public required long Completed { get; init; }

    /// <summary>Gets the items that ended as error.</summary>
    public required long Failed { get; init; }

    /// <summary>Gets the items queued again for a later attempt (retry or snooze).</summary>
    public required long Retried { get; init; }

    /// <summary>Gets the attempts whose processor asked for a snooze.</summary>
    public required long Snoozed { get; init; }

    /// <summary>Gets the expired leases the rescuer returned to the queue or ended as error.</summary>
    public required long Rescued { get; init; }

    /// <summary>Gets how long claimed items had waited in the queue (claim time minus updated-at), or <see langword="null"/> when none was measured (no updated-at column, or no claims).</summary>
    public PipelineDurations? Wait { get; init; }

    /// <summary>Gets how long processor calls took, or <see langword="null"/> when none ran.</summary>
    public PipelineDurations? Processing { get; init; }
}
