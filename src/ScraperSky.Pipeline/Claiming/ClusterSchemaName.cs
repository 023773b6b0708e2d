namespace ScraperSky.Pipeline.Claiming;

/// <summary>The cluster schema's configured name, registered by <c>AddPipelineCluster</c> for the migration scripts.</summary>
/// <param name="Value">The schema's name.</param>
internal sealed record ClusterSchemaName(string Value);
