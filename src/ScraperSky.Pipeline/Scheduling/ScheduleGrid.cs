namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The points in time a job's scheduled runs belong to (before start jitter): an interval grid, or the occurrences of a
/// cron expression in a time zone. Free of state and clocks; <see cref="ScheduleMath"/> and <see cref="JobClock"/> place
/// runs on it, <see cref="FailurePolicy"/> backs off along it.
/// </summary>
internal abstract class ScheduleGrid
{
    /// <summary>Stands for "no further point" (a cron expression with no occurrence left): far away, yet safe to add a day to.</summary>
    public static readonly DateTimeOffset Never = DateTimeOffset.MaxValue.AddYears(-1);

    /// <summary>The grid of a validated schedule: its cron expression when it has one, otherwise its interval.</summary>
    public static ScheduleGrid For(JobSchedule schedule)
        => schedule.Cron is { } cron
            ? CronGrid.Parse(cron, schedule.TimeZone)
            : new IntervalGrid(schedule.Interval, schedule.OncePerCluster ? schedule.MisfireGraceTime : null);

    /// <summary>The first point when the job starts at <paramref name="now"/>: at once on an interval, the next occurrence on cron.</summary>
    public abstract DateTimeOffset First(DateTimeOffset now);

    /// <summary>The point that follows <paramref name="point"/>.</summary>
    public abstract DateTimeOffset After(DateTimeOffset point);

    /// <summary>Where a resumed job continues: the first point of its grid, through <paramref name="nominal"/>, not before <paramref name="now"/>.</summary>
    public abstract DateTimeOffset Resume(DateTimeOffset nominal, DateTimeOffset now);

    /// <summary>The latest point not after <paramref name="now"/>, counting from <paramref name="nominal"/> (itself not after <paramref name="now"/>).</summary>
    public abstract DateTimeOffset Latest(DateTimeOffset nominal, DateTimeOffset now);

    /// <summary><paramref name="nominal"/> and every later point not after <paramref name="now"/>, in order.</summary>
    public abstract IEnumerable<DateTimeOffset> Through(DateTimeOffset nominal, DateTimeOffset now);

    /// <summary>The next point once a run at <paramref name="now"/> ended a back-off: the grid starts again from now.</summary>
    public abstract DateTimeOffset Recovered(DateTimeOffset now);

    /// <summary>
    /// The next run while the job backs off after <paramref name="consecutiveFailures"/> failures at <paramref name="now"/>:
    /// the delay doubles from the grid's spacing up to <see cref="JobSchedule.FailureBackoff"/>, and never runs sooner
    /// than the grid would.
    /// </summary>
    public abstract DateTimeOffset BackOff(JobSchedule schedule, int consecutiveFailures, DateTimeOffset now);

    /// <summary>
    /// The run key of a once-per-cluster job's run scheduled at <paramref name="scheduled"/>: the grid point at or before it
    /// (start jitter, a retry or a back-off keep a run's key), in whole microseconds as PostgreSQL stores it.
    /// </summary>
    public abstract DateTimeOffset RunKey(DateTimeOffset scheduled);
}
