namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The arithmetic of a job's schedule, free of state and clocks: start jitter, the interval grid point a resumed job
/// continues at, and which runs of a tick are due, missed or coalesced (on an interval grid or cron occurrences).
/// </summary>
internal static class ScheduleMath
{
    /// <summary>The random delay added to one scheduled start: a fraction of the start jitter (none without jitter).</summary>
    /// <param name="schedule">The job's schedule.</param>
    /// <param name="fraction">Draws a fraction in [0, 1); only called when the job has a start jitter.</param>
    public static TimeSpan Jitter(JobSchedule schedule, Func<double> fraction)
        => schedule.StartJitter <= TimeSpan.Zero
            ? TimeSpan.Zero
            : TimeSpan.FromTicks((long)(schedule.StartJitter.Ticks * Math.Clamp(fraction(), 0d, 1d)));

    /// <summary>
    /// The first point of the interval grid through <paramref name="nominal"/> that is not before <paramref name="now"/>: where a
    /// resumed job continues, like APScheduler's resume, so that its runs stay where they were.
    /// </summary>
    public static DateTimeOffset NextGridPoint(DateTimeOffset nominal, DateTimeOffset now, TimeSpan interval)
    {
        if (nominal >= now)
        {
            return nominal;
        }

        var steps = (now - nominal).Ticks / interval.Ticks;
        nominal += TimeSpan.FromTicks(interval.Ticks * steps);
        return nominal < now ? nominal + interval : nominal;
    }

    /// <summary>
    /// Where a once-per-cluster job's runs begin: on the grid anchored at the Unix epoch, which every host computes alike.
    /// The grid point at or before <paramref name="now"/> when it is still within the misfire grace time (a host that
    /// starts late in an interval still claims that interval's run, which another host may have taken), else the next.
    /// </summary>
    public static DateTimeOffset ClusterGridStart(DateTimeOffset now, TimeSpan interval, TimeSpan misfireGraceTime)
    {
        var floor = ClusterFireTime(now, interval);
        return now - floor <= misfireGraceTime ? floor : floor + interval;
    }

    /// <summary>The first point of the epoch-anchored grid after <paramref name="now"/>.</summary>
    public static DateTimeOffset NextClusterGridPoint(DateTimeOffset now, TimeSpan interval)
        => ClusterFireTime(now, interval) + interval;

    /// <summary>
    /// The run key of a once-per-cluster job: the epoch-anchored grid point at or before the run's scheduled time (start
    /// jitter, a retry or a back-off moves a run within its interval, not to another key), in whole microseconds as
    /// PostgreSQL stores it.
    /// </summary>
    public static DateTimeOffset ClusterFireTime(DateTimeOffset scheduled, TimeSpan interval)
    {
        var sinceEpoch = scheduled.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var steps = sinceEpoch / interval.Ticks - (sinceEpoch < 0 && sinceEpoch % interval.Ticks != 0 ? 1 : 0);
        var ticks = DateTimeOffset.UnixEpoch.UtcTicks + steps * interval.Ticks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
    }

    /// <summary>
    /// Works out a tick of the job's timer at <paramref name="now"/>, when its run due at <paramref name="due"/> (the grid
    /// point <paramref name="nominal"/> plus jitter) has come: further grid points that also fell due (the process
    /// stalled, or the clock jumped), which of them run and which are missed (older than the misfire grace time, at most
    /// <paramref name="maxMissedListed"/> listed), coalesced into one when the job coalesces.
    /// </summary>
    public static TickPlan Plan(JobSchedule s, ScheduleGrid grid, DateTimeOffset due, DateTimeOffset nominal, DateTimeOffset now, int maxMissedListed)
    {
        var runs = new List<DateTimeOffset>();
        var missed = new List<DateTimeOffset>();
        var missedCount = 0L;
        DateTimeOffset last;
        if (s.Coalesce)
        {
            // All the due runs become one: the latest, unless even that one is too late.
            last = grid.Latest(nominal, now);
            var latest = last == nominal ? due : last;
            if (now - latest > s.MisfireGraceTime)
            {
                missed.Add(latest);
                missedCount = 1;
            }
            else
            {
                runs.Add(latest);
            }
        }
        else
        {
            last = nominal;
            foreach (var point in grid.Through(nominal, now))
            {
                last = point;
                var at = point == nominal ? due : point;
                if (now - at <= s.MisfireGraceTime)
                {
                    runs.Add(at);
                    continue;
                }

                missedCount++;
                if (missed.Count < maxMissedListed)
                {
                    missed.Add(at);
                }
            }
        }

        return new TickPlan(runs, missed, missedCount, grid.After(last));
    }

    /// <summary>What a tick does.</summary>
    /// <param name="Runs">The scheduled times of the runs to start, in order (one instance runs them one after another).</param>
    /// <param name="Missed">The scheduled times of missed runs to report (the first ones, when there are many).</param>
    /// <param name="MissedCount">How many runs were missed in all.</param>
    /// <param name="NextNominal">The grid point of the next run.</param>
    public sealed record TickPlan(IReadOnlyList<DateTimeOffset> Runs, IReadOnlyList<DateTimeOffset> Missed, long MissedCount, DateTimeOffset NextNominal);
}
