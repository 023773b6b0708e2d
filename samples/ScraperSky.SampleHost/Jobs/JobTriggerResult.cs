namespace ScraperSky.SampleHost.Jobs;

/// <summary>The outcome of a manual trigger, a message for the caller, and the runs it caused (one per enabled workflow).</summary>
public sealed record JobTriggerResult(JobTriggerOutcome Outcome, string Message, IReadOnlyList<JobRunView> Runs);
