using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ScraperSky.Pipeline.Dashboard.Live;

/// <summary>
/// The keys by which a page's elements name the live values they show (<c>data-live="w:name:queued"</c>), the one
/// place that formats those values, and the JSON the event stream sends: the server's first render and every later
/// update come from the same text.
/// </summary>
internal static class LiveKeys
{
    public static string Workflow(string name, string field) => $"w:{name}:{field}";

    public static string Job(string jobId, string field) => $"j:{jobId}:{field}";

    /// <summary>Builds the values, flags and JSON of a sample.</summary>
    public static (Dictionary<string, string> Values, Dictionary<string, bool> Flags, string Json) Build(
        DateTimeOffset now, IReadOnlyList<WorkflowSample> workflows, IReadOnlyList<JobSample> jobs, IReadOnlyList<PipelineHostInfo>? hosts)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var w in workflows)
        {
            var name = w.Info.Name;
            var c = w.Counts;
            values[Workflow(name, "queued")] = Count(c?.Queued, c?.IsExact);
            values[Workflow(name, "processing")] = Count(c?.Processing, c?.IsExact);
            values[Workflow(name, "completed")] = Count(c?.Completed, c?.IsExact);
            values[Workflow(name, "error")] = Count(c?.Error, c?.IsExact);
            values[Workflow(name, "stuck")] = Count(c?.StuckProcessing ?? 0, true);
            values[Workflow(name, "done")] = c is null ? "" : (c.Completed + c.Error).ToString(CultureInfo.InvariantCulture);
            values[Workflow(name, "oldest")] = c?.OldestQueuedAt is { } oldest ? Age(now - oldest) : "–";
            values[Workflow(name, "counted")] = c is null ? "counts unavailable" : "counted " + Time(c.CountedAt);
            values[Workflow(name, "state")] = w.Paused ? "paused" : w.Info.Enabled ? "running" : "disabled here";
            flags[Workflow(name, "stalled")] = w.Stalled;
            flags[Workflow(name, "stuck")] = (c?.StuckProcessing ?? 0) > 0;
            flags[Workflow(name, "paused")] = w.Paused;
            flags[Workflow(name, "error")] = (c?.Error ?? 0) > 0;
            var wakeUp = w.WakeUp?.State;
            values[Workflow(name, "wakeup")] = wakeUp == WakeUpState.Reconnecting ? "wake-up lost" : "polling only";
            values[Workflow(name, "wakeup-reason")] = w.WakeUp?.Reason ?? "";
            flags[Workflow(name, "wakeup")] = wakeUp is WakeUpState.Reconnecting or WakeUpState.PollingOnly;
        }

        foreach (var j in jobs)
        {
            var id = j.Info.JobId;
            var last = j.Info.LastResult;
            values[Job(id, "state")] = j.Paused ? "Paused" : j.Info.State.ToString();
            values[Job(id, "next")] = j.Info.NextRunTime is { } next ? Relative(next - now) : "–";
            values[Job(id, "last")] = last is null ? "never" : $"{Time(last.StartTime)} {last.Outcome}";
            values[Job(id, "duration")] = last is null ? "–" : Duration(last.Duration);
            values[Job(id, "items")] = last is null ? "–" : last.ItemsProcessed.ToString("N0", CultureInfo.InvariantCulture);
            values[Job(id, "missed")] = j.Missed.ToString("N0", CultureInfo.InvariantCulture);
            values[Job(id, "skipped")] = j.Skipped.ToString("N0", CultureInfo.InvariantCulture);
            values[Job(id, "failures")] = j.Info.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture);
            flags[Job(id, "paused")] = j.Paused;
            flags[Job(id, "failing")] = j.Info.ConsecutiveFailures > 0 || j.Info.State is ScheduledJobState.Faulted or ScheduledJobState.BackingOff;
        }

        return (values, flags, Serialize(now, values, flags, hosts));
    }

    private static string Serialize(DateTimeOffset now, Dictionary<string, string> values, Dictionary<string, bool> flags, IReadOnlyList<PipelineHostInfo>? hosts)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("at", Time(now));
            json.WriteStartObject("v");
            foreach (var (key, value) in values)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteStartObject("f");
            foreach (var (key, value) in flags)
            {
                json.WriteBoolean(key, value);
            }

            json.WriteEndObject();
            if (hosts is not null)
            {
                json.WriteStartArray("hosts");
                foreach (var host in hosts)
                {
                    json.WriteStartArray();
                    foreach (var cell in HostCells(host, now))
                    {
                        json.WriteStringValue(cell);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The cells of a host's row in the hosts table: id, machine, version, started, last heartbeat, state.</summary>
    public static string[] HostCells(PipelineHostInfo host, DateTimeOffset now)
        => [host.HostId, host.MachineName, host.Version, Time(host.StartedAt), Age(now - host.LastSeenAt) + " ago", host.IsAlive ? "alive" : "gone"];

    /// <summary>A count as shown: thousands separated, "≥" when the catalog stopped at its cap.</summary>
    public static string Count(long? value, bool? exact)
        => value is null ? "?" : (exact == false ? "≥ " : "") + value.Value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A time of day in UTC with its date.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";

    /// <summary>An age such as "3 m 12 s".</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds < 60 ? $"{(int)age.TotalSeconds} s"
            : age.TotalMinutes < 60 ? Two((int)age.TotalMinutes, "m", age.Seconds, "s")
            : age.TotalHours < 48 ? Two((int)age.TotalHours, "h", age.Minutes, "m")
            : Two((int)age.TotalDays, "d", age.Hours, "h");

        static string Two(int big, string bigUnit, int small, string smallUnit)
            => small == 0 ? $"{big} {bigUnit}" : $"{big} {bigUnit} {small} {smallUnit}";
    }

    /// <summary>A time from now: "in 3 s", or "due" when it has passed.</summary>
    public static string Relative(TimeSpan fromNow) => fromNow <= TimeSpan.Zero ? "due" : "in " + Age(fromNow);

    /// <summary>A run's duration.</summary>
    public static string Duration(TimeSpan duration)
        => duration.TotalSeconds < 1 ? $"{duration.TotalMilliseconds:0} ms" : duration.TotalMinutes < 1 ? $"{duration.TotalSeconds:0.0} s" : Age(duration);

    /// <summary>An interval as a schedule: "every 5 s".</summary>
    public static string Every(TimeSpan interval) => "every " + (interval.TotalSeconds < 1 ? $"{interval.TotalMilliseconds:0} ms" : Age(interval));
}
