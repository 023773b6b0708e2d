using ScraperSky.SampleHost.Jobs;

namespace ScraperSky.SampleHost.Demo;

/// <summary>Prints one line per job id: <c>summary &lt;job_id&gt; queued=N processing=N completed=N error=N</c>.</summary>
public static class SummaryPrinter
{
    public static async Task<IReadOnlyList<string>> PrintAsync(IServiceProvider services, TextWriter output, CancellationToken cancellationToken = default)
    {
        var catalog = services.GetRequiredService<JobCatalog>();
        var counts = await services.GetRequiredService<JobQueueCounter>().CountByJobAsync(cancellationToken);
        var lines = catalog.Jobs
            .Select(job => counts[job.JobId] is var c ? $"summary {job.JobId} queued={c.Queued} processing={c.Processing} completed={c.Completed} error={c.Error}" : null)
            .Select(line => line!)
            .ToList();
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }

        await output.FlushAsync(cancellationToken);
        return lines;
    }
}
