using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The runs of the scheduler's jobs: starts them on the thread pool, tracks those in flight, executes each in a
/// dependency-injection scope of its own, and owns the two shutdown signals every run sees (stop starting work; abort).
/// </summary>
/// <param name="time">The scheduler's clock.</param>
/// <param name="scopes">Makes each run's scope.</param>
/// <param name="gate">The scheduler's lock, which guards the jobs' state and the runs in flight.</param>
/// <param name="ended">
/// Called, outside the lock, when a run ended, with whether it is the last of its sequence: records and reports it, and
/// says whether it released the job's instance (after the last run, or when the job faulted) and which cleanup to run.
/// </param>
/// <param name="logger">The scheduler's logger.</param>
/// <param name="runGate">Asks the cluster before a run of a job that needs it; <see langword="null"/> without cluster services.</param>
internal sealed class JobRuns(
    TimeProvider time,
    IServiceScopeFactory scopes,
    object gate,
    Func<ScheduledJob, JobRunResult, bool, JobRuns.RunEnd> ended,
    ILogger logger,
    IJobRunGate? runGate = null)
{
    /// <summary>How long stopping waits, after the shutdown timeout aborted the runs, for them to hand their rows back.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(5);

    private readonly object _gate = gate;
    private readonly HashSet<Task> _inFlight = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();

    /// <summary>A run that did not start (missed, skipped, or cancelled before it began).</summary>
    public static JobRunResult NotStarted(ScheduledJob job, JobRunOutcome outcome, DateTimeOffset scheduled, DateTimeOffset now)
        => new(job.Id, outcome, scheduled, now, TimeSpan.Zero, 0, null);

    /// <summary>Completes when every run in progress now has ended (its result recorded).</summary>
    public Task WhenIdle()
    {
        lock (_gate)
        {
            return Task.WhenAll([.. _inFlight]);
        }
    }

    /// <summary>The runs in progress; under the lock.</summary>
    public Task[] InFlight() => [.. _inFlight];

    /// <summary>Takes one instance slot of the job for a sequence of runs (one, or the catch-up of uncoalesced runs); under the lock.</summary>
    public void Start(ScheduledJob job, IReadOnlyList<DateTimeOffset> times, TaskCompletionSource<JobRunResult>? completion)
    {
        job.Running++;
        job.LastRunStart = time.GetUtcNow();
        var task = Task.Run(() => RunSequenceAsync(job, times, completion));
        _inFlight.Add(task);
        _ = task.ContinueWith(
            static (t, s) =>
            {
                var runs = (JobRuns)s!;
                lock (runs._gate)
                {
                    runs._inFlight.Remove(t);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Signals the stopping token and waits for <paramref name="inFlight"/> until <paramref name="cancellationToken"/>
    /// (the host's shutdown timeout) signals; then signals the abort token and gives the runs a short grace to wind down.
    /// </summary>
    public async Task StopAsync(Task[] inFlight, CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using (cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _abort))
        {
            try
            {
                await Task.WhenAll(inFlight).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The host's shutdown timeout: tell runs to abort, and like BackgroundService do not wait any longer. Cancelled
                // here too because the token's callbacks run last-registered first: WaitAsync's resumes this method, which
                // would dispose the registration above before its callback ran.
                await _abort.CancelAsync().ConfigureAwait(false);
                Log.SchedulerShutdownTimedOut(logger, inFlight.Count(t => !t.IsCompleted));

                // Aborted runs wind down quickly: they hand their unfinished rows back to the queue (lease mode)
                // or roll back (atomic batch). Give them a moment to do so while the host's services still exist,
                // so that the next start finds the rows queued rather than claimed until their lease expires.
                try
                {
                    await Task.WhenAll(inFlight).WaitAsync(AbortGrace).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
                {
                    // Still running: the rescuer returns whatever they held once their leases expire.
                }
            }
        }
    }

    /// <summary>Signals both tokens without waiting (disposal). Not disposed: a straggling run may still read them.</summary>
    public void Cancel()
    {
        _stopping.Cancel();
        _abort.Cancel();
    }

    private async Task RunSequenceAsync(ScheduledJob job, IReadOnlyList<DateTimeOffset> times, TaskCompletionSource<JobRunResult>? completion)
    {
        var released = false;
        try
        {
            for (var i = 0; i < times.Count && !_stopping.IsCancellationRequested; i++)
            {
                var result = await ExecuteAsync(job, times[i], manual: completion is not null).ConfigureAwait(false);
                var last = i == times.Count - 1 || _stopping.IsCancellationRequested;
                var end = ended(job, result, last);
                released = end.Released;
                completion?.TrySetResult(result);
                if (end.Cleanup is not null)
                {
                    await end.Cleanup().ConfigureAwait(false);
                }

                if (released)
                {
                    break;
                }
            }
        }
        finally
        {
            if (!released)
            {
                lock (_gate)
                {
                    job.Running--;
                }
            }

            // A manual run asked for after the host began to stop: it never started.
            completion?.TrySetResult(NotStarted(job, JobRunOutcome.Canceled, times[0], time.GetUtcNow()));
        }
    }

    private async Task<JobRunResult> ExecuteAsync(ScheduledJob job, DateTimeOffset scheduledTime, bool manual)
    {
        var start = time.GetUtcNow();
        var started = time.GetTimestamp();
        ScheduledJobContext? context = null;
        JobRunPermit? permit = null;
        try
        {
            if (runGate is not null && job.Schedule.NeedsCluster)
            {
                // Asking fails like the run would (the database is down): the failure policy applies, nothing is skipped silently.
                permit = await runGate.EnterAsync(job.Id, job.Schedule, scheduledTime, manual, _abort.Token).ConfigureAwait(false);
                if (permit.SkipReason is { } reason)
                {
                    return new JobRunResult(job.Id, JobRunOutcome.Skipped, scheduledTime, start, TimeSpan.Zero, 0, null, reason);
                }
            }

            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                context = new ScheduledJobContext(job.Id, scheduledTime, scope.ServiceProvider, _stopping.Token, _abort.Token);
                var items = await job.Definition.Execute(context).ConfigureAwait(false);
                return new JobRunResult(job.Id, JobRunOutcome.Succeeded, scheduledTime, start, time.GetElapsedTime(started), items, null, itemsByWorkflow: context.ItemsByWorkflow);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Cancellation at shutdown is not a failure.
            return new JobRunResult(job.Id, JobRunOutcome.Canceled, scheduledTime, start, time.GetElapsedTime(started), 0, null);
        }
        catch (Exception ex)
        {
            // A group's members that finished before another failed still report their items.
            var finished = context?.ItemsByWorkflow;
            return new JobRunResult(job.Id, JobRunOutcome.Failed, scheduledTime, start, time.GetElapsedTime(started), finished?.Values.Sum() ?? 0, ex, itemsByWorkflow: finished);
        }
        finally
        {
            if (permit is not null)
            {
                await permit.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>What the scheduler made of a run's end.</summary>
    /// <param name="Released">Whether the run's instance slot was given back (no more runs in its sequence).</param>
    /// <param name="Cleanup">The job's cleanup, to run now, or <see langword="null"/>.</param>
    internal readonly record struct RunEnd(bool Released, Func<Task>? Cleanup);
}
