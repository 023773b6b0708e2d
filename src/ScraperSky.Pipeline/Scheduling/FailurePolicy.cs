namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The one failure policy of every job: counts failed runs in a row; below <see cref="JobSchedule.MaxConsecutiveFailures"/>
/// the job stays on its interval (or retries after <see cref="JobSchedule.RetryDelay"/>); at the limit it backs off or
/// stops as faulted (<see cref="JobSchedule.OnRepeatedFailure"/>); a success after a back-off puts it back on its interval.
/// </summary>
internal static class FailurePolicy
{
    /// <summary>Applies a run's outcome to the job; called under the scheduler's lock.</summary>
    /// <param name="job">The job whose run ended.</param>
    /// <param name="outcome">How the run ended.</param>
    /// <param name="now">The scheduler's clock.</param>
    /// <param name="reschedule">Whether the job's next run may move (the scheduler runs and the job is not paused).</param>
    /// <param name="jitter">Draws a start jitter for a new grid point.</param>
    /// <returns>What changed, for the log and for re-arming the job's timer.</returns>
    public static Transition Apply(ScheduledJob job, JobRunOutcome outcome, DateTimeOffset now, bool reschedule, Func<TimeSpan> jitter)
    {
        switch (outcome)
        {
            case JobRunOutcome.Succeeded when job.BackingOff:
                var failures = job.ConsecutiveFailures;
                job.ConsecutiveFailures = 0;
                if (!reschedule)
                {
                    return new Transition { Recovered = failures, NextRun = job.NextRun };
                }

                // Back to the normal schedule, counted from now.
                job.NextNominal = job.Grid.Recovered(now);
                job.NextRun = job.NextNominal + jitter();
                return new Transition { Recovered = failures, NextRun = job.NextRun, Rearm = true };

            case JobRunOutcome.Succeeded:
                job.ConsecutiveFailures = 0;
                return default;

            case JobRunOutcome.Failed:
                return Failed(job, now, reschedule);

            default:
                return default;
        }
    }

    private static Transition Failed(ScheduledJob job, DateTimeOffset now, bool reschedule)
    {
        job.ConsecutiveFailures++;
        var s = job.Schedule;
        if (job.Faulted)
        {
            // Another instance's run ended after the job faulted: counted, nothing more.
            return default;
        }

        if (job.ConsecutiveFailures >= s.MaxConsecutiveFailures && s.OnRepeatedFailure == RepeatedFailureAction.Stop)
        {
            // Whether or not the job may be rescheduled now: the count is what it is, and stopping is final.
            job.Faulted = true;
            job.WakeRun = null;
            job.WakePending = false;
            return new Transition { Faulted = true };
        }

        if (!reschedule)
        {
            return default;
        }

        if (!job.BackingOff)
        {
            if (s.RetryDelay is not { } retry)
            {
                return default;
            }

            // A retry is a run off the grid, like a wake-up: the interval keeps its rhythm, and a grid point that comes
            // sooner runs anyway.
            var at = now + retry;
            if (at >= job.NextRun || (job.WakeRun is { } pending && pending <= at))
            {
                return default;
            }

            job.WakeRun = at;
            return new Transition { RetryDelay = retry, NextRun = at, Rearm = true };
        }

        job.NextNominal = job.Grid.BackOff(s, job.ConsecutiveFailures, now);
        job.NextRun = job.NextNominal;
        var delay = job.NextRun - now;
        return new Transition { BackoffDelay = delay, NextRun = job.NextRun, Rearm = true };
    }

    /// <summary>What a run's outcome changed.</summary>
    public readonly record struct Transition
    {
        /// <summary>Failed runs in a row before the success that ended a back-off; 0 when none ended.</summary>
        public int Recovered { get; init; }

        /// <summary>The delay of a back-off that this failure started or continued.</summary>
        public TimeSpan? BackoffDelay { get; init; }

        /// <summary>The delay of a retry this failure scheduled.</summary>
        public TimeSpan? RetryDelay { get; init; }

        /// <summary>Whether this failure stopped the job for good.</summary>
        public bool Faulted { get; init; }

        /// <summary>When the job runs next, after a change.</summary>
        public DateTimeOffset NextRun { get; init; }

        /// <summary>Whether the job's timer must be re-armed for its new next run.</summary>
        public bool Rearm { get; init; }
    }
}
