using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using static ScraperSky.Pipeline.Dashboard.Pages.Html;

namespace ScraperSky.Pipeline.Dashboard.Pages;

/// <summary>
/// The rows page's filters as they stand in its URL (<c>name</c>, <c>status</c> (repeated), <c>key</c>, <c>error</c>,
/// <c>from</c>, <c>to</c>, in UTC) and in the bulk actions' forms: the page, the count and the action read the same fields.
/// </summary>
internal sealed record RowQuery(string Name, IReadOnlyList<StatusRole> Statuses, string? Key, string? Error, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<string> Problems)
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm";

    public static RowQuery Read(Func<string, StringValues> field)
    {
        var problems = new List<string>();
        var statuses = new List<StatusRole>();
        foreach (var value in field("status"))
        {
            if (Enum.TryParse<StatusRole>(value, ignoreCase: true, out var role) && Enum.IsDefined(role))
            {
                statuses.Add(role);
            }
            else if (!string.IsNullOrEmpty(value))
            {
                problems.Add($"status '{value}' is none of Queued, Processing, Completed, Error");
            }
        }

        return new RowQuery(
            field("name").ToString(),
            statuses.Distinct().ToList(),
            Text(field("key")),
            Text(field("error")),
            Time(field("from"), "from", problems),
            Time(field("to"), "to", problems),
            problems);
    }

    public static RowQuery Read(IQueryCollection query) => Read(k => query[k]);

    public static RowQuery Read(IFormCollection form) => Read(k => form[k]);

    /// <summary>The filter, for the catalog and the queues.</summary>
    public StatusRowFilter ToFilter() => new()
    {
        Statuses = Statuses.Count == 0 ? null : Statuses,
        Key = Key,
        ErrorContains = Error,
        UpdatedFrom = From,
        UpdatedBefore = To,
    };

    /// <summary>
    /// The filter an action takes: re-queue leaves processing rows alone, cancel takes queued rows only; so the count the
    /// user confirms is the count of rows the action can change.
    /// </summary>
    public StatusRowFilter ForAction(string action)
    {
        var all = Statuses.Count == 0 ? Enum.GetValues<StatusRole>() : Statuses.ToArray();
        var taken = action == "cancel" ? all.Where(s => s == StatusRole.Queued) : all.Where(s => s != StatusRole.Processing);
        return ToFilter() with { Statuses = taken.ToList() };
    }

    /// <summary>The query string of the filters (without paging), starting with <c>name=</c>.</summary>
    public string ToQueryString()
    {
        var parts = new List<string> { "name=" + Q(Name) };
        parts.AddRange(Statuses.Select(s => "status=" + s));
        if (Key is not null)
        {
            parts.Add("key=" + Q(Key));
        }

        if (Error is not null)
        {
            parts.Add("error=" + Q(Error));
        }

        if (From is { } from)
        {
            parts.Add("from=" + Q(Format(from)));
        }

        if (To is { } to)
        {
            parts.Add("to=" + Q(Format(to)));
        }

        return string.Join("&", parts);
    }

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static string? Text(StringValues value) => value.ToString() is { Length: > 0 } text ? text : null;

    private static DateTimeOffset? Time(StringValues value, string field, List<string> problems)
    {
        if (value.ToString() is not { Length: > 0 } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        problems.Add($"{field} '{text}' is not a time (use 2026-01-31T13:45, UTC)");
        return null;
    }
}
