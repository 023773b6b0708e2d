using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>The statements of the start-up checks and the doctor, and the recommended indexes.</summary>
internal sealed partial class WorkflowSql
{
    /// <summary>Touches the table, the columns and the four status literals without reading a row.</summary>
    public string VerifySchema { get; }

    /// <summary>Counts the queued rows, for the queue-depth gauge.</summary>
    public string QueueDepth { get; }

    /// <summary>The claim's candidate query, for the doctor's <c>EXPLAIN</c>.</summary>
    public string ClaimPlan { get; }

    /// <summary>How many rows with other statuses <see cref="UnknownStatuses"/> reads at most.</summary>
    public const int UnknownStatusSample = 1000;

    /// <summary>Status values other than the workflow's four, with counts and the sample's size (sampled).</summary>
    public string UnknownStatuses { get; }

    /// <summary>The four status values as text.</summary>
    public string StatusTexts { get; }

    /// <summary>Whether any row has the queued value.</summary>
    public string QueuedExists { get; }

    /// <summary>The claim index's columns and predicate: <c>(…) WHERE status = 'Queued'</c>.</summary>
    public string ClaimIndexBody { get; }

    /// <summary>The rescue index's column and predicate, in lease mode.</summary>
    public string? RescueIndexBody { get; }

    /// <summary>The index the doctor recommends for the claim.</summary>
    public string PartialIndex { get; }

    /// <summary>The name of the claim index.</summary>
    public string ClaimIndexName { get; }

    /// <summary>The name of the rescuer's index, in lease mode.</summary>
    public string? RescueIndexName { get; }

    /// <summary>The index the doctor recommends for the rescuer, in lease mode.</summary>
    public string? RescueIndex { get; }
}
