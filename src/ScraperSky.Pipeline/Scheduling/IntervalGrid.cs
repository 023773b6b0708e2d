namespace ScraperSky.Pipeline.Scheduling;

/// <summary>A grid of points <see cref="Interval"/> apart, anchored where the job started (or last recovered).</summary>
internal sealed class IntervalGrid(TimeSpan interval) : ScheduleGrid
{
    public TimeSpan Interval { get; } = interval;

    public override DateTimeOffset First(DateTimeOffset now) => now;

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

    public override DateTimeOffset Recovered(DateTimeOffset now) => now + Interval;

    public override DateTimeOffset BackOff(JobSchedule schedule, int consecutiveFailures, DateTimeOffset now)
        => now + schedule.BackoffDelay(consecutiveFailures, Interval);
}
