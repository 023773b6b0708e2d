namespace ScraperSky.Pipeline.History;

/// <summary>One workflow's counts of one minute, waiting to be written.</summary>
internal sealed record PendingMinute(string Workflow, DateTimeOffset Minute, MinuteCounts Counts);
