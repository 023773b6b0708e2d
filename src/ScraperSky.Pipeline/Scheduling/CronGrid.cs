using Cronos;

namespace ScraperSky.Pipeline.Scheduling;

/// <summary>
/// The occurrences of a cron expression in a time zone (Cronos). Five fields (minute hour day-of-month month
/// day-of-week), six with seconds first, or a macro such as <c>@daily</c>. Daylight saving time follows Cronos: a time
/// skipped by a spring-forward gap runs at the first instant after the gap; a time that occurs twice in a fall-back
/// overlap runs once, at its first occurrence, unless the expression repeats within the hour (<c>*/15 * * * *</c>),
/// which runs in both.
/// </summary>
internal sealed class CronGrid : ScheduleGrid
{
    private CronGrid(CronExpression expression, TimeZoneInfo zone)
    {
        Expression = expression;
        Zone = zone;
    }

    public CronExpression Expression { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>Parses a validated expression and time zone (see <see cref="TryParse"/>); throws on invalid input.</summary>
    public static CronGrid Parse(string cron, string? timeZone)
        => TryParse(cron, timeZone, out var grid, out var problem) ? grid! : throw new ArgumentException($"{problem!.Value.Setting} {problem.Value.Rule}.");

    /// <summary>Parses an expression and a time zone id (IANA or Windows; <see langword="null"/> or empty for UTC).</summary>
    /// <param name="cron">The expression.</param>
    /// <param name="timeZone">The zone's id.</param>
    /// <param name="grid">The grid, when both parse.</param>
    /// <param name="problem">Otherwise the setting at fault (<c>Cron</c> or <c>TimeZone</c>) and what is wrong with it.</param>
    public static bool TryParse(string cron, string? timeZone, out CronGrid? grid, out (string Setting, string Rule)? problem)
    {
        grid = null;
        if (!TryParseExpression(cron, out var expression, out var rule))
        {
            problem = (nameof(StatusWorkflowScheduleOptions.Cron), rule!);
            return false;
        }

        if (!TryFindZone(timeZone, out var zone))
        {
            problem = (nameof(StatusWorkflowScheduleOptions.TimeZone), "is not a time zone this machine knows (an IANA id such as Europe/Berlin, or a Windows id such as W. Europe Standard Time)");
            return false;
        }

        problem = null;
        grid = new CronGrid(expression!, zone!);
        return true;
    }

    /// <summary>Finds a time zone by IANA or Windows id; <see langword="null"/>, empty or white space is UTC.</summary>
    public static bool TryFindZone(string? id, out TimeZoneInfo? zone)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            zone = null;
            return false;
        }
    }

    /// <summary>The shortest time between two of the expression's next <paramref name="count"/> occurrences after <paramref name="from"/>, or null with fewer than two.</summary>
    public TimeSpan? ShortestGap(DateTimeOffset from, int count)
    {
        TimeSpan? shortest = null;
        DateTimeOffset? previous = null;
        foreach (var at in Expression.GetOccurrences(from, from.AddYears(10), Zone).Take(count))
        {
            if (previous is { } p && (shortest is null || at - p < shortest))
            {
                shortest = at - p;
            }

            previous = at;
        }

        return shortest;
    }

    public override DateTimeOffset First(DateTimeOffset now) => Next(now, inclusive: true);

    public override DateTimeOffset After(DateTimeOffset point) => Next(point, inclusive: false);

    public override DateTimeOffset Resume(DateTimeOffset nominal, DateTimeOffset now) => nominal >= now ? nominal : Next(now, inclusive: true);

    public override DateTimeOffset Latest(DateTimeOffset nominal, DateTimeOffset now)
        => Expression.GetPreviousOccurrence(now, Zone, inclusive: true) is { } latest && latest > nominal ? latest : nominal;

    public override IEnumerable<DateTimeOffset> Through(DateTimeOffset nominal, DateTimeOffset now)
    {
        yield return nominal;
        foreach (var at in Expression.GetOccurrences(nominal, now, Zone, fromInclusive: false, toInclusive: true))
        {
            yield return at;
        }
    }

    public override DateTimeOffset Recovered(DateTimeOffset now) => Next(now, inclusive: false);

    public override DateTimeOffset BackOff(JobSchedule schedule, int consecutiveFailures, DateTimeOffset now)
    {
        // The spacing is the time to the next occurrence, so a daily job backs off to its next day, not to minutes.
        var next = Next(now, inclusive: false);
        if (next == Never)
        {
            return Never;
        }

        var spacing = next - now;
        return Next(now + schedule.BackoffDelay(consecutiveFailures, spacing), inclusive: true);
    }

    public override DateTimeOffset RunKey(DateTimeOffset scheduled)
    {
        // Occurrences are absolute times every host computes alike; jitter is less than the gap to the next one.
        var key = Expression.GetPreviousOccurrence(scheduled, Zone, inclusive: true) ?? scheduled;
        return new DateTimeOffset(key.UtcTicks - (key.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }

    public override string ToString() => $"{Expression} ({Zone.Id})";

    private static bool TryParseExpression(string cron, out CronExpression? expression, out string? problem)
    {
        expression = null;
        var text = cron.Trim();
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        if (!text.StartsWith('@') && fields is not (5 or 6))
        {
            problem = $"has {fields} fields; a cron expression has 5 (minute hour day-of-month month day-of-week), or 6 with seconds first";
            return false;
        }

        var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            expression = CronExpression.Parse(text, format);
        }
        catch (CronFormatException ex)
        {
            problem = $"is not a valid cron expression ({ex.Message.TrimEnd('.')})";
            return false;
        }

        problem = null;
        return true;
    }

    private DateTimeOffset Next(DateTimeOffset from, bool inclusive)
        => Expression.GetNextOccurrence(from, Zone, inclusive) ?? Never;
}
