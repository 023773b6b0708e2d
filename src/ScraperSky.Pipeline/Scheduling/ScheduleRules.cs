namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The range rules of the scheduling settings, shared by <see cref="ScheduledJobOptions"/> and
/// <see cref="StatusWorkflowOptions"/>, so that both say the same thing in the same words.
/// </summary>
internal static class ScheduleRules
{
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>The rule of <c>Cron</c> when <c>Interval</c> is set as well.</summary>
    public const string BothSetRule = "and Interval are both set; a job runs on one of them: set Cron or Interval, not both";

    /// <summary>How many of a cron expression's occurrences are looked at for the shortest time between runs.</summary>
    private const int GapSample = 1000;

    /// <summary>Checks each scheduling setting; returns (setting, rule, value) for every one out of range.</summary>
    public static IEnumerable<(string Setting, string Rule, object Value)> Check(JobSchedule s)
    {
        if (s.Interval <= TimeSpan.Zero || s.Interval > MaxInterval)
        {
            yield return (nameof(s.Interval), "must be more than zero and at most one day", s.Interval);
        }

        CronGrid? cron = null;
        if (s.Cron is not null)
        {
            if (s.IntervalSet)
            {
                yield return (nameof(s.Cron), BothSetRule, s.Cron);
            }

            if (!CronGrid.TryParse(s.Cron, s.TimeZone, out cron, out var problem))
            {
                var (setting, rule) = problem!.Value;
                yield return (setting, rule, setting == nameof(s.Cron) ? s.Cron : s.TimeZone!);
            }
            else if (cron!.ShortestGap(DateTimeOffset.UtcNow, 2) is null)
            {
                yield return (nameof(s.Cron), "never occurs again", s.Cron);
                cron = null;
            }
        }
        else if (s.TimeZone is not null)
        {
            yield return (nameof(s.TimeZone), "is only used with Cron; set Cron as well, or leave TimeZone unset", s.TimeZone);
        }

        if (s.MaxInstances < 1)
        {
            yield return (nameof(s.MaxInstances), "must be at least 1", s.MaxInstances);
        }

        if (s.MisfireGraceTime <= TimeSpan.Zero)
        {
            yield return (nameof(s.MisfireGraceTime), "must be more than zero", s.MisfireGraceTime);
        }

        if (cron is not null)
        {
            // Jitter that reaches the next occurrence would merge runs; the gap is measured over the coming occurrences.
            var gap = cron.ShortestGap(DateTimeOffset.UtcNow, GapSample) ?? MaxInterval;
            if (s.StartJitter < TimeSpan.Zero || s.StartJitter >= gap)
            {
                yield return (nameof(s.StartJitter), $"must be at least zero and less than the shortest time between two runs of Cron ({gap:c})", s.StartJitter);
            }
        }
        else if (s.StartJitter < TimeSpan.Zero || (s.Interval > TimeSpan.Zero && s.StartJitter >= s.Interval))
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
