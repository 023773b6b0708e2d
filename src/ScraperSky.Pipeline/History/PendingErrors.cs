namespace ScraperSky.Pipeline.History;

/// <summary>One workflow's failure group of one hour, waiting to be written.</summary>
internal sealed record PendingErrors(string Workflow, DateTimeOffset Hour, FailureGroup Group);
