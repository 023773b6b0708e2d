namespace ScraperSky.Pipeline.Scheduling;

/// <summary>One job as the scheduler receives it: id, schedule, what to run, and what to call it in messages.</summary>
/// <param name="Id">The job id.</param>
/// <param name="Schedule">The validated schedule.</param>
/// <param name="Execute">Runs the job once; returns the item count.</param>
/// <param name="Description">The job for a person: <c>scheduled job 'x'</c> or <c>status workflow 'y'</c>.</param>
internal sealed record JobDefinition(string Id, JobSchedule Schedule, Func<ScheduledJobContext, Task<int>> Execute, string Description);
