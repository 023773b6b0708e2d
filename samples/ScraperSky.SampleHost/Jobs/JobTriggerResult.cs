namespace ScraperSky.SampleHost.Jobs;

/// <summary>The outcome of a manual trigger and a message for the caller.</summary>
public sealed record JobTriggerResult(JobTriggerOutcome Outcome, string Message);
