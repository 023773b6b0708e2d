using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Processing;

/// <summary>What an item's attempt becomes in its row: the outcome kind, the error text and the delay before it is claimable again.</summary>
/// <param name="Kind">One of the outcome kinds of <see cref="WorkflowSql"/> (completed, error, retry, snooze, release).</param>
/// <param name="Reason">The error text written with an error or a retry.</param>
/// <param name="Delay">How long a retried or snoozed row waits before it may be claimed again.</param>
internal readonly record struct Decision(short Kind, string? Reason, TimeSpan Delay)
{
    /// <summary>The row goes back to the queue and its attempt is given back (the item never ran, or the host is stopping).</summary>
    public static Decision Release => new(WorkflowSql.ReleaseKind, null, TimeSpan.Zero);

    /// <summary>Whether the row becomes claimable again after <see cref="Delay"/>.</summary>
    public bool IsDue => Kind is WorkflowSql.RetryKind or WorkflowSql.SnoozeKind;
}

/// <summary>
/// The one decision, for both claim modes, of what an item's attempt becomes: completed, error with a reason, retry with
/// back-off, snooze, or release. Every path goes through it — a result, a thrown exception, a timeout, an abandoned
/// processor, an outcome that could not be written — so every failure counts against <c>MaxAttempts</c> alike.
/// </summary>
/// <remarks>
/// Pure: the caller passes the attempt number, the options and the random number for the back-off's jitter.
/// <c>countsAttempts</c> is false where the workflow keeps no attempt count (atomic batches): a failure
/// or a retry request there ends the row as error at once.
/// </remarks>
internal static class OutcomePolicy
{
    /// <summary>Decides the outcome of an attempt from what happened to it.</summary>
    /// <param name="attempt">What happened: the processor's result, or the failure, timeout or stop that replaced it.</param>
    /// <param name="attemptNumber">The attempt number, starting at 1.</param>
    /// <param name="options">The workflow's settings.</param>
    /// <param name="countsAttempts">Whether the workflow counts attempts (lease mode) and so can retry.</param>
    /// <param name="random">A number in [0, 1) for the back-off's jitter.</param>
    public static Decision Decide(in ItemAttempt attempt, int attemptNumber, StatusWorkflowOptions options, bool countsAttempts, double random)
    {
        if (attempt.Stopped)
        {
            return Decision.Release;
        }

        if (attempt.Returned)
        {
            switch (attempt.Result.Kind)
            {
                case ItemResultKind.Completed:
                    return new Decision(WorkflowSql.CompletedKind, null, TimeSpan.Zero);
                case ItemResultKind.Failed:
                    return new Decision(WorkflowSql.ErrorKind, attempt.Reason ?? "failed", TimeSpan.Zero);
                case ItemResultKind.Snooze:
                    return new Decision(WorkflowSql.SnoozeKind, null, attempt.Result.Delay ?? TimeSpan.Zero);
            }
        }

        var requested = attempt.Returned ? attempt.Result.Delay : null;
        return Failure(attempt.Reason ?? "failed", attemptNumber, options, countsAttempts, random, requested);
    }

    /// <summary>Decides the outcome of an attempt whose own outcome could not be written (the statement failed).</summary>
    /// <param name="reason">Why the outcome could not be written.</param>
    /// <param name="attemptNumber">The attempt number, starting at 1.</param>
    /// <param name="options">The workflow's settings.</param>
    /// <param name="countsAttempts">Whether the workflow counts attempts (lease mode) and so can retry.</param>
    /// <param name="random">A number in [0, 1) for the back-off's jitter.</param>
    public static Decision OutcomeNotWritten(string reason, int attemptNumber, StatusWorkflowOptions options, bool countsAttempts, double random)
        => Failure("the outcome could not be written: " + reason, attemptNumber, options, countsAttempts, random, requestedDelay: null);

    /// <summary>A failed attempt: a retry with back-off while attempts remain, otherwise an error that says how many were made.</summary>
    private static Decision Failure(string reason, int attemptNumber, StatusWorkflowOptions options, bool countsAttempts, double random, TimeSpan? requestedDelay)
    {
        if (!countsAttempts)
        {
            return new Decision(WorkflowSql.ErrorKind, reason, TimeSpan.Zero);
        }

        if (attemptNumber >= options.Retry.MaxAttempts)
        {
            return new Decision(WorkflowSql.ErrorKind, options.Retry.MaxAttempts > 1 ? $"{reason} (gave up after {attemptNumber} attempts)" : reason, TimeSpan.Zero);
        }

        return new Decision(WorkflowSql.RetryKind, reason, requestedDelay ?? RetryPolicy.Delay(options, attemptNumber, random));
    }
}
