namespace ScraperSky.Pipeline;

/// <summary>One host as its heartbeats describe it.</summary>
public sealed record PipelineHostInfo
{
    /// <summary>Gets the host's id (unique per process start).</summary>
    public required string HostId { get; init; }

    /// <summary>Gets the machine name.</summary>
    public required string MachineName { get; init; }

    /// <summary>Gets the library version the host runs.</summary>
    public required string Version { get; init; }

    /// <summary>Gets when the host started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets the time of the host's last heartbeat.</summary>
    public required DateTimeOffset LastSeenAt { get; init; }

    /// <summary>Gets whether the last heartbeat is recent enough for the host to count as alive: within three of its heartbeat intervals.</summary>
    public required bool IsAlive { get; init; }

    /// <summary>Gets the ids of the jobs the host runs.</summary>
    public required IReadOnlyList<string> JobIds { get; init; }
}
