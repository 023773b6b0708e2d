using ScraperSky.Pipeline;

namespace ScraperSky.SampleHost.Jobs;

/// <summary>A job as the API shows it. For <c>process_pending_jobs</c> (two workflows) the job-level values combine its workflows'.</summary>
/// <param name="State">The job's state; of two workflows the more telling (see <see cref="JobState"/>).</param>
/// <param name="LastRun">The run that ended last, of any of its workflows; <see langword="null"/> before the first.</param>
/// <param name="NextRun">The earliest next scheduled run of its workflows; <see langword="null"/> when none is scheduled.</param>
/// <param name="Counts">Its workflows' rows per status, added up (the library's cached counts; see <see cref="StatusCounts.CountedAt"/>).</param>
public sealed record JobView(
    string JobId,
    string Name,
    string EnvironmentPrefix,
    JobState State,
    JobRunView? LastRun,
    DateTimeOffset? NextRun,
    IReadOnlyList<JobWorkflowView> Workflows,
    StatusCounts Counts);
