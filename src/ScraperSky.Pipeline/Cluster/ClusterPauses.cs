using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Cluster;

/// <summary>
/// Makes this host's jobs follow the cluster-wide pause flags: pauses a flagged job that runs here, and resumes a job
/// this class paused once its flag is gone. A job already paused on this host (with <see cref="IJobScheduler.Pause"/>)
/// is left alone both ways, so a local pause outlives a cluster-wide resume.
/// </summary>
internal sealed class ClusterPauses(JobScheduler scheduler, ILogger<ClusterPauses> logger)
{
    private readonly object _gate = new();
    private readonly HashSet<string> _pausedHere = new(StringComparer.Ordinal);

    /// <summary>Applies the whole set of flags read from the cluster's schema.</summary>
    public void Apply(IReadOnlyCollection<string> flagged)
    {
        var set = flagged.ToHashSet(StringComparer.Ordinal);
        foreach (var job in scheduler.GetJobs().Where(j => !ClusterJobSource.IsOwnJob(j.JobId)))
        {
            if (set.Contains(job.JobId))
            {
                Pause(job.JobId);
            }
            else
            {
                Resume(job.JobId);
            }
        }
    }

    /// <summary>Pauses the job on this host, if it runs here and is not paused already.</summary>
    public void Pause(string jobId)
    {
        lock (_gate)
        {
            if (ClusterJobSource.IsOwnJob(jobId) || _pausedHere.Contains(jobId) || scheduler.GetJob(jobId) is not { } job || job.State is ScheduledJobState.Paused or ScheduledJobState.Faulted or ScheduledJobState.Stopped)
            {
                return;
            }

            scheduler.Pause(jobId);
            _pausedHere.Add(jobId);
        }

        Log.ClusterPauseApplied(logger, jobId);
    }

    /// <summary>Resumes the job on this host if a cluster-wide pause paused it here.</summary>
    public void Resume(string jobId)
    {
        lock (_gate)
        {
            if (!_pausedHere.Remove(jobId) || scheduler.GetJob(jobId) is null)
            {
                return;
            }

            scheduler.Resume(jobId);
        }

        Log.ClusterPauseLifted(logger, jobId);
    }
}
