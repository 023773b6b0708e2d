using ScraperSky.SampleHost.Jobs;

namespace ScraperSky.SampleHost.Demo;

/// <summary>Prints one line per job id: <c>summary &lt;job_id&gt; queued=N processing=N completed=N error=N</c>.</summary>
public static class SummaryPrinter
{
    /// <summary>Prints the summary from the library's counts, taken no earlier than this call; returns the lines.</summary>
    public static async Task<IReadOnlyList<string>> PrintAsync(IServiceProvider services, TextWriter output, CancellationToken cancellationToken = default)
    {
        var asOf = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var counts = await services.GetRequiredService<JobControl>().CountAsync(asOf, cancellationToken);
        var lines = counts.Select(j => $"summary {j.Job.JobId} queued={j.Counts.Queued} processing={j.Counts.Processing} completed={j.Counts.Completed} error={j.Counts.Error}").ToList();
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }

        await output.FlushAsync(cancellationToken);
        return lines;
    }
}
