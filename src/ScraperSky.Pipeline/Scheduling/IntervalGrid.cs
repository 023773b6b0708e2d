namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// A grid of points <see cref="Interval"/> apart, anchored where the job started (or last recovered); for a
/// once-per-cluster job, anchored at the Unix epoch, so that every host computes the same points.
/// </summary>
/// <param name="interval">The spacing.</param>
/// <param name="clusterMisfireGrace">For a once-per-cluster job, its misfire grace time (see <see cref="ScheduleMath.ClusterGridStart"/>); otherwise null.</param>
internal sealed class IntervalGrid(TimeSpan interval, TimeSpan? clusterMisfireGrace = null) : ScheduleGrid
{
    public TimeSpan Interval { get; } = interval;

    public override DateTimeOffset First(DateTimeOffset now)
        => clusterMisfireGrace is { } grace ? ScheduleMath.ClusterGridStart(now, Interval, grace) : now;

    public override DateTimeOffset After(DateTimeOffset point) => point + Interval;

    public override DateTimeOffset Resume(DateTimeOffset nominal, DateTimeOffset now) => ScheduleMath.NextGridPoint(nominal, now, Interval);

    public override DateTimeOffset Latest(DateTimeOffset nominal, DateTimeOffset now)
        => nominal + TimeSpan.FromTicks(Interval.Ticks * ((now - nominal).Ticks / Interval.Ticks));

    public override IEnumerable<DateTimeOffset> Through(DateTimeOffset nominal, DateTimeOffset now)
    {
        for (var at = nominal; at <= now; at += Interval)
        {
            yield return at;
        }
    }

    public override DateTimeOffset Recovered(DateTimeOffset now)
        => clusterMisfireGrace is null ? now + Interval : ScheduleMath.NextClusterGridPoint(now, Interval);

    public override DateTimeOffset RunKey(DateTimeOffset scheduled) => ScheduleMath.ClusterFireTime(scheduled, Interval);

    public override DateTimeOffset BackOff(JobSchedule schedule, int consecutiveFailures, DateTimeOffset now)
        => now + schedule.BackoffDelay(consecutiveFailures, Interval);
}
