using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Scheduling;

/// <summary>Pausing, resuming and waking jobs.</summary>
internal sealed partial class JobScheduler
{
    public void Pause(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        lock (_gate)
        {
            var job = Find(jobId);
            if (job.Paused || job.Faulted)
            {
                return;
            }

            job.Paused = true;
            JobClock.Disarm(job);
        }

        Log.JobPaused(_logger, jobId);
    }

    public void Resume(string jobId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        DateTimeOffset next;
        lock (_gate)
        {
            var job = Find(jobId);
            if (!job.Paused)
            {
                return;
            }

            job.Paused = false;
            var now = _clock.Now;
            next = _clock.Continue(job, now);
            if (_state == SchedulerState.Running)
            {
                _clock.Arm(job, now);
            }
        }

        Log.JobResumed(_logger, jobId, next);
    }

    /// <summary>
    /// Makes the job run as soon as it may (a wake-up notification), without moving its interval grid: at once, or
    /// <paramref name="spacing"/> after its latest run started, or — when it already runs its maximum of instances —
    /// as soon as a run ends. Wakes are coalesced; a paused, backing-off or faulted job ignores them, as does an unknown id.
    /// </summary>
    internal void Wake(string jobId, TimeSpan spacing)
    {
        lock (_gate)
        {
            if (Wakeable(jobId) is { } job)
            {
                WakeUps.Wake(job, spacing, _clock);
            }
        }
    }

    /// <summary>
    /// Makes the job run at <paramref name="at"/> (a retry falls due then), without moving its interval grid; nothing
    /// happens if a run is due sooner anyway. A paused, backing-off or faulted job ignores it, as does an unknown id.
    /// </summary>
    internal void WakeAt(string jobId, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (Wakeable(jobId) is { } job)
            {
                WakeUps.WakeAt(job, at, _clock);
            }
        }
    }
}
