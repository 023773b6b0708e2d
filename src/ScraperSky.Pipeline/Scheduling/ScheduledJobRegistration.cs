namespace ScraperSky.Pipeline.Scheduling;

/// <summary>What <c>AddScheduledJob</c> recorded: the job id, its schedule and how to run it.</summary>
internal sealed record ScheduledJobRegistration(string JobId, JobSchedule Schedule, Func<ScheduledJobContext, Task<int>> Execute);
