namespace ScraperSky.Pipeline;

/// <summary>Failed attempts of one workflow with one normalised message (<see cref="IPipelineHistory.GetErrorGroupsAsync"/>).</summary>
public sealed record PipelineErrorGroup
{
    /// <summary>Gets the workflow's name.</summary>
    public required string Workflow { get; init; }

    /// <summary>Gets the message with what varies folded: numbers, UUIDs and hex values as <c>#</c>, quoted values as <c>'…'</c>, URLs as <c>&lt;url&gt;</c>.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the number of failed attempts.</summary>
    public required long Count { get; init; }

    /// <summary>Gets when the first of them failed.</summary>
    public required DateTimeOffset FirstSeen { get; init; }

    /// <summary>Gets when the last of them failed.</summary>
    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>Gets a few keys of rows that failed so (newest first, as text), to look at or queue again.</summary>
    public required IReadOnlyList<string> SampleKeys { get; init; }
}
