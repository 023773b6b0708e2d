namespace ScraperSky.SampleHost.Jobs;

/// <summary>One status workflow of a job as the API shows it.</summary>
public sealed record JobWorkflowView(string Name, string Table, string StatusColumn, bool Enabled, TimeSpan Interval, int BatchSize, QueueCounts Counts);
