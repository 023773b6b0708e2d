namespace ScraperSky.Pipeline.Scheduling;

/// <summary>The jobs registered with <c>AddScheduledJob</c>, in registration order.</summary>
internal sealed class RegisteredJobSource(IEnumerable<ScheduledJobRegistration> registrations) : IScheduledJobSource
{
    public Task<IReadOnlyList<JobDefinition>> PrepareAsync(CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<JobDefinition>>(registrations
            .Select(r => new JobDefinition(r.JobId, r.Schedule, r.Execute, $"scheduled job '{r.JobId}'"))
            .ToList());
}
