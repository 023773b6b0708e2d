using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Cluster;

/// <summary>
/// The cluster's own jobs on the shared scheduler, visible like any job: the heartbeat (this host's row, and forgetting
/// what is old; its cleanup removes the row at a graceful stop) and the pause check (the cluster-wide pause flags, one
/// query). Before any job runs it makes the schema ready (a missing or too new schema stops start-up; an unreachable
/// database defers to the first heartbeat) and pauses the jobs flagged already.
/// </summary>
internal sealed class ClusterJobSource(
    ClusterStore store,
    ClusterHostIdentity host,
    ClusterPauses pauses,
    JobScheduler scheduler,
    PipelineClusterOptions options,
    ILogger<ClusterJobSource> logger) : IScheduledJobSource
{
    public const string HeartbeatJobId = "scrapersky-cluster:heartbeat";
    public const string PauseCheckJobId = "scrapersky-cluster:pauses";

    private IReadOnlyList<string> _pausedAtStart = [];
    private int _joined;

    /// <summary>Whether a job id is one of the cluster's own jobs (never paused by a flag, not listed as the host's job).</summary>
    public static bool IsOwnJob(string jobId) => jobId is HeartbeatJobId or PauseCheckJobId;

    public async Task<IReadOnlyList<JobDefinition>> PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            _pausedAtStart = await store.PausedJobsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (SchemaCheck.IsUnreachable(ex))
        {
            // The host starts without its database, like its workflows; the heartbeat makes the schema ready later.
        }

        var heartbeat = Schedule(options.HeartbeatInterval);
        var pauseCheck = Schedule(options.PauseCheckInterval);
        return
        [
            new JobDefinition(HeartbeatJobId, heartbeat, HeartbeatAsync, "pipeline cluster heartbeat", LeaveAsync),
            new JobDefinition(PauseCheckJobId, pauseCheck, CheckPausesAsync, "pipeline cluster pause check"),
        ];
    }

    public void BeforeStart() => pauses.Apply(_pausedAtStart.ToList());

    private static JobSchedule Schedule(TimeSpan interval)
        => new(interval, MaxInstances: 1, ScheduledJobOptions.DefaultMisfireGraceTime, Coalesce: true, StartJitter: TimeSpan.Zero, ScheduledJobOptions.DefaultMaxConsecutiveFailures, FailureBackoff: interval);

    private async Task<int> HeartbeatAsync(ScheduledJobContext context)
    {
        var jobs = scheduler.GetJobs().Select(j => j.JobId).Where(id => !IsOwnJob(id)).ToList();
        await store.HeartbeatAsync(host, jobs, context.CancellationToken).ConfigureAwait(false);
        if (Interlocked.Exchange(ref _joined, 1) == 0)
        {
            Log.ClusterJoined(logger, host.HostId, host.MachineName, store.Sql.Schema, store.SchemaVersion, options.HeartbeatInterval, options.PauseCheckInterval);
        }

        return 1;
    }

    private async Task<int> CheckPausesAsync(ScheduledJobContext context)
    {
        var flagged = await store.PausedJobsAsync(context.CancellationToken).ConfigureAwait(false);
        pauses.Apply(flagged.ToList());
        return flagged.Count;
    }

    private async Task LeaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.LeaveAsync(host.HostId, cancellationToken).ConfigureAwait(false);
            Log.ClusterLeft(logger, host.HostId);
        }
        catch (Exception ex)
        {
            Log.ClusterLeaveFailed(logger, ex, host.HostId);
        }
    }
}
