namespace ScraperSky.SampleHost.Jobs;

/// <summary>The jobs this host registered, in registration order; the job list, the summary and the triggers read it.</summary>
public sealed class JobCatalog
{
    private readonly List<JobDefinition> _jobs = [];

    public IReadOnlyList<JobDefinition> Jobs => _jobs;

    public JobDefinition? Find(string jobId) => _jobs.Find(j => string.Equals(j.JobId, jobId, StringComparison.Ordinal));

    internal void Add(JobDefinition job)
    {
        if (Find(job.JobId) is not null)
        {
            throw new InvalidOperationException($"Job '{job.JobId}' is registered twice.");
        }

        _jobs.Add(job);
    }
}
