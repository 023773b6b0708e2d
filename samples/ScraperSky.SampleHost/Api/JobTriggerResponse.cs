using ScraperSky.SampleHost.Jobs;

namespace ScraperSky.SampleHost.Api;

/// <summary>The answer of a manual trigger that ran: one result per workflow of the job.</summary>
public sealed record JobTriggerResponse(string JobId, string Message, IReadOnlyList<JobRunView> Runs);
