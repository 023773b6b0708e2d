using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Cluster;

/// <summary>
/// The cluster's say before a run: a once-per-cluster job's scheduled run starts only on the host that claims its run
/// key (job id, grid time); a job with a cluster-wide limit starts only with a free slot, held while it runs. A manual
/// run never needs a run key.
/// </summary>
internal sealed class ClusterRunGate(ClusterStore store, ClusterHostIdentity host, PipelineClusterOptions options, TimeProvider time, ILogger<ClusterRunGate> logger) : IJobRunGate
{
    public async Task<JobRunPermit> EnterAsync(string jobId, JobSchedule schedule, DateTimeOffset scheduledTime, bool manual, CancellationToken cancellationToken)
    {
        if (schedule.OncePerCluster && !manual)
        {
            var fireTime = ScheduleGrid.For(schedule).RunKey(scheduledTime);
            var holder = await store.ClaimRunKeyAsync(jobId, fireTime, host.HostId, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(holder, host.HostId, StringComparison.Ordinal))
            {
                return JobRunPermit.Refused($"once per cluster: host {holder} has the run scheduled for {fireTime:O}");
            }
        }

        if (schedule.MaxHostsAtOnce is { } max)
        {
            var slot = await store.TakeSlotAsync(jobId, max, host.HostId, options.SlotLeaseDuration, cancellationToken).ConfigureAwait(false);
            if (slot is not { } taken)
            {
                return JobRunPermit.Refused($"Schedule:MaxHostsAtOnce: all {max} cluster slot(s) are held by other hosts' runs");
            }

            var lease = new SlotLease(store, time, jobId, taken, host.HostId, options.SlotLeaseDuration, logger);
            return JobRunPermit.Granted(lease.ReleaseAsync);
        }

        return JobRunPermit.Granted();
    }
}
