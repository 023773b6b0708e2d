namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// What a job's timer tick and a run's end do: under the scheduler's lock, a tick plans the due runs
/// (<see cref="ScheduleMath.Plan"/>), starts them or skips them at the job's maximum of instances, and re-arms the timer;
/// a run's end applies the failure policy and the wake-ups it owes. Both report outside the lock.
/// </summary>
/// <param name="gate">The scheduler's lock.</param>
/// <param name="isRunning">Whether the scheduler is running; read under the lock.</param>
/// <param name="clock">The jobs' timers.</param>
/// <param name="runs">Starts the runs.</param>
/// <param name="reporter">Reports runs.</param>
internal sealed class JobDispatcher(object gate, Func<bool> isRunning, JobClock clock, JobRuns runs, JobReporter reporter)
{
    // Without coalescing, a long stall could otherwise produce one event per missed interval; the log says how many.
    private const int MaxMissedEventsPerTick = 100;

    /// <summary>A job's timer fired: starts the runs that are due (or the wake-up), reports missed and skipped ones.</summary>
    public void OnTick(ScheduledJob job)
    {
        var missed = new List<JobRunResult>();
        var missedCount = 0L;
        var skipped = new List<JobRunResult>();
        lock (gate)
        {
            if (!isRunning() || !job.Schedulable || job.Timer is null)
            {
                return;
            }

            var now = clock.Now;
            if (now < job.NextRun)
            {
                if (job.WakeRun is { } wake && wake <= now)
                {
                    // A wake-up run (or a retry): it does not move the interval grid, so the safety poll keeps its rhythm.
                    job.WakeRun = null;
                    if (job.Running >= job.Schedule.MaxInstances)
                    {
                        job.WakePending = true;
                    }
                    else
                    {
                        runs.Start(job, [now], completion: null);
                    }
                }

                clock.Arm(job, now);
                return;
            }

            job.WakeRun = null;
            var plan = ScheduleMath.Plan(job.Schedule, job.Grid, job.NextRun, job.NextNominal, now, MaxMissedEventsPerTick);
            clock.Advance(job, plan.NextNominal);
            missed.AddRange(plan.Missed.Select(at => JobRuns.NotStarted(job, JobRunOutcome.Missed, at, now)));
            missedCount = plan.MissedCount;
            if (plan.Runs.Count > 0)
            {
                if (job.Running >= job.Schedule.MaxInstances)
                {
                    skipped.AddRange(plan.Runs.Select(at => JobRuns.NotStarted(job, JobRunOutcome.Skipped, at, now)));
                }
                else
                {
                    runs.Start(job, plan.Runs, completion: null);
                }
            }

            clock.Arm(job, now);
        }

        reporter.RunsMissed(job, missed, missedCount);
        foreach (var result in skipped)
        {
            reporter.RunSkipped(result, job.Schedule.MaxInstances, absorbed: job.Schedule.Coalesce);
        }
    }

    /// <summary>Records a run's result, applies the failure policy and reports the run; see <see cref="JobRuns"/>.</summary>
    public JobRuns.RunEnd RunEnded(ScheduledJob job, JobRunResult result, bool lastOfSequence)
    {
        FailurePolicy.Transition transition;
        Func<CancellationToken, Task>? cleanup = null;
        var released = lastOfSequence;
        lock (gate)
        {
            if (released)
            {
                job.Running--;
            }

            job.LastResult = result;
            var reschedule = isRunning() && !job.Paused;
            var now = clock.Now;
            if (reschedule && result.Outcome == JobRunOutcome.Succeeded)
            {
                WakeUps.AfterRun(job, now, clock);
            }

            transition = FailurePolicy.Apply(job, result.Outcome, now, reschedule, () => clock.Jitter(job.Schedule));
            if (transition.Faulted)
            {
                JobClock.Disarm(job);
            }
            else if (transition.Rearm)
            {
                clock.Arm(job, now);
            }

            if (job.Faulted && !released)
            {
                // A faulted job runs no more of its catch-up sequence.
                job.Running--;
                released = true;
            }

            if (job.Faulted && job.Running == 0)
            {
                cleanup = job.TakeCleanup();
            }
        }

        reporter.Ended(job, result, transition);
        return new JobRuns.RunEnd(released, cleanup is null ? null : () => reporter.CleanUpAsync(job, cleanup, CancellationToken.None));
    }

    /// <summary>
    /// Starts a manual run now; under the lock. At the job's maximum of instances it does not start: returns
    /// <see langword="null"/> and the skipped run, for the caller to report outside the lock.
    /// </summary>
    public Task<JobRunResult>? StartManual(ScheduledJob job, out JobRunResult? skipped)
    {
        var now = clock.Now;
        if (job.Running >= job.Schedule.MaxInstances)
        {
            skipped = JobRuns.NotStarted(job, JobRunOutcome.Skipped, now, now);
            return null;
        }

        skipped = null;
        var completion = new TaskCompletionSource<JobRunResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        runs.Start(job, [now], completion);
        return completion.Task;
    }

    /// <summary>Runs, one after another, the cleanup of every job whose cleanup has not run yet (the scheduler stopped).</summary>
    public async Task CleanUpAsync(IReadOnlyList<ScheduledJob> jobs, CancellationToken cancellationToken)
    {
        List<(ScheduledJob Job, Func<CancellationToken, Task>? Cleanup)> cleanups;
        lock (gate)
        {
            cleanups = jobs.Select(job => (job, job.TakeCleanup())).ToList();
        }

        foreach (var (job, cleanup) in cleanups)
        {
            if (cleanup is not null)
            {
                await reporter.CleanUpAsync(job, cleanup, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
