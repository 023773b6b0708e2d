namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The range rules of the scheduling settings, shared by <see cref="ScheduledJobOptions"/> and
/// <see cref="StatusWorkflowOptions"/>, so that both say the same thing in the same words.
/// </summary>
internal static class ScheduleRules
{
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>Checks each scheduling setting; returns (setting, rule, value) for every one out of range.</summary>
    public static IEnumerable<(string Setting, string Rule, object Value)> Check(JobSchedule s)
    {
        if (s.Interval <= TimeSpan.Zero || s.Interval > MaxInterval)
        {
            yield return (nameof(s.Interval), "must be more than zero and at most one day", s.Interval);
        }

        if (s.MaxInstances < 1)
        {
            yield return (nameof(s.MaxInstances), "must be at least 1", s.MaxInstances);
        }

        if (s.MisfireGraceTime <= TimeSpan.Zero)
        {
            yield return (nameof(s.MisfireGraceTime), "must be more than zero", s.MisfireGraceTime);
        }

        if (s.StartJitter < TimeSpan.Zero || (s.Interval > TimeSpan.Zero && s.StartJitter >= s.Interval))
        {
            yield return (nameof(s.StartJitter), "must be at least zero and less than Interval", s.StartJitter);
        }

        if (s.MaxConsecutiveFailures < 1)
        {
            yield return (nameof(s.MaxConsecutiveFailures), "must be at least 1", s.MaxConsecutiveFailures);
        }

        if (s.FailureBackoff <= TimeSpan.Zero || s.FailureBackoff > MaxInterval)
        {
            yield return (nameof(s.FailureBackoff), "must be more than zero and at most one day", s.FailureBackoff);
        }

        if (!Enum.IsDefined(s.OnRepeatedFailure))
        {
            yield return (nameof(s.OnRepeatedFailure), $"must be {nameof(RepeatedFailureAction.BackOff)} or {nameof(RepeatedFailureAction.Stop)}", s.OnRepeatedFailure);
        }

        if (s.RetryDelay is { } retry && (retry <= TimeSpan.Zero || retry > MaxInterval))
        {
            yield return (nameof(s.RetryDelay), "must be null, or more than zero and at most one day", retry);
        }

        if (s.MaxHostsAtOnce is { } hosts && hosts < 1)
        {
            yield return (nameof(s.MaxHostsAtOnce), "must be null (no limit) or at least 1", hosts);
        }
    }
}
