using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// Tells the world what became of each run: the scheduler's events (a subscriber's exception is logged and ignored),
/// its log events and its counters. Called outside the scheduler's lock.
/// </summary>
internal sealed class JobReporter(object sender, ILogger logger, PipelineTelemetry telemetry)
{
    public event EventHandler<JobRunResult>? Executed;

    public event EventHandler<JobRunResult>? Failed;

    public event EventHandler<JobRunResult>? Missed;

    public event EventHandler<JobRunResult>? Skipped;

    /// <summary>Reports a run that ended, with what the failure policy made of it.</summary>
    public void Ended(ScheduledJob job, JobRunResult result, FailurePolicy.Transition transition)
    {
        if (result.Outcome is JobRunOutcome.Succeeded or JobRunOutcome.Failed)
        {
            telemetry.SchedulerRuns.Add(
                1,
                new KeyValuePair<string, object?>(PipelineDiagnostics.JobIdTag, job.Id),
                new KeyValuePair<string, object?>(PipelineDiagnostics.OutcomeTag, result.Outcome == JobRunOutcome.Succeeded ? "succeeded" : "failed"));
        }

        switch (result.Outcome)
        {
            case JobRunOutcome.Succeeded:
                Log.JobExecuted(logger, job.Id, result.ItemsProcessed, result.Duration.TotalMilliseconds);
                if (transition.Recovered > 0)
                {
                    Log.JobRecovered(logger, job.Id, transition.Recovered, transition.NextRun);
                }

                Raise(Executed, nameof(IJobScheduler.JobExecuted), result);
                break;
            case JobRunOutcome.Failed:
                Log.JobFailed(logger, result.Exception!, job.Id, job.Definition.Description);
                if (transition.BackoffDelay is { } delay)
                {
                    Log.JobBackingOff(logger, job.Id, job.Schedule.MaxConsecutiveFailures, delay, transition.NextRun);
                }
                else if (transition.Faulted)
                {
                    Log.JobFaulted(logger, job.Id, job.Definition.Description, job.Schedule.MaxConsecutiveFailures);
                }
                else if (transition.RetryDelay is { } retry)
                {
                    Log.JobRetrying(logger, job.Id, retry, transition.NextRun);
                }

                Raise(Failed, nameof(IJobScheduler.JobFailed), result);
                break;
            case JobRunOutcome.Canceled:
                Log.JobCanceled(logger, job.Id);
                break;
            case JobRunOutcome.Skipped:
                // The cluster said no (another host has the run, or no slot is free): routine, not a problem.
                telemetry.SchedulerSkips.Add(1, new KeyValuePair<string, object?>(PipelineDiagnostics.JobIdTag, job.Id));
                Log.JobSkippedByCluster(logger, job.Id, result.ScheduledTime, result.SkipReason ?? "the cluster refused it");
                Raise(Skipped, nameof(IJobScheduler.JobSkipped), result);
                break;
        }
    }

    /// <summary>Reports the runs of one tick that were due longer ago than the misfire grace time.</summary>
    public void RunsMissed(ScheduledJob job, IReadOnlyList<JobRunResult> missed, long missedCount)
    {
        if (missedCount > 0)
        {
            telemetry.SchedulerMisses.Add(missedCount, new KeyValuePair<string, object?>(PipelineDiagnostics.JobIdTag, job.Id));
        }

        if (missed.Count == 0)
        {
            return;
        }

        Log.JobMissed(logger, job.Id, missed[0].ScheduledTime, missedCount, job.Schedule.MisfireGraceTime);
        foreach (var result in missed)
        {
            Raise(Missed, nameof(IJobScheduler.JobMissed), result);
        }
    }

    /// <summary>
    /// Reports a run that did not start because the job had its maximum of instances running. A coalescing job merges
    /// due runs into one, and the run in progress is that one: the tick is <paramref name="absorbed"/>, not lost.
    /// </summary>
    public void RunSkipped(JobRunResult result, int maxInstances, bool absorbed = false)
    {
        (absorbed ? telemetry.SchedulerAbsorbed : telemetry.SchedulerSkips).Add(1, new KeyValuePair<string, object?>(PipelineDiagnostics.JobIdTag, result.JobId));
        Log.JobSkipped(logger, result.JobId, result.ScheduledTime, maxInstances);
        Raise(Skipped, nameof(IJobScheduler.JobSkipped), result);
    }

    /// <summary>Runs a job's cleanup (it faulted, or the scheduler stopped); a failure is logged, never thrown.</summary>
    public Task CleanUpAsync(ScheduledJob job, Func<CancellationToken, Task> cleanup, CancellationToken cancellationToken)
        => CleanUpAsync(logger, job.Definition, cleanup, cancellationToken);

    /// <summary>Runs a job's cleanup; a failure is logged, never thrown (also for jobs that never reached the scheduler).</summary>
    public static async Task CleanUpAsync(ILogger logger, JobDefinition job, Func<CancellationToken, Task> cleanup, CancellationToken cancellationToken)
    {
        try
        {
            await cleanup(cancellationToken).ConfigureAwait(false);
            Log.JobCleanedUp(logger, job.Id, job.Description);
        }
        catch (Exception ex)
        {
            Log.JobCleanupFailed(logger, ex, job.Id, job.Description);
        }
    }

    private void Raise(EventHandler<JobRunResult>? handlers, string name, JobRunResult result)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<JobRunResult>>())
        {
            try
            {
                handler(sender, result);
            }
            catch (Exception ex)
            {
                // A subscriber's bug must not stop the scheduler or the job.
                Log.EventHandlerFailed(logger, ex, name, result.JobId);
            }
        }
    }
}
