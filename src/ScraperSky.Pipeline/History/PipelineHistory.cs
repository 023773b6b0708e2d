using Npgsql;
using NpgsqlTypes;

namespace ScraperSky.Pipeline.History;

/// <summary>Reads the stored history: minutes merged into steps by adding counts, percentiles from the merged buckets.</summary>
internal sealed class PipelineHistory(HistoryStore store) : IPipelineHistory
{
    /// <summary>The most points one series returns.</summary>
    public const int MaxPoints = 10_000;

    /// <summary>The most error groups one read returns.</summary>
    public const int MaxGroups = 1_000;

    public async Task<IReadOnlyList<PipelineHistoryPoint>> GetSeriesAsync(string workflowName, DateTimeOffset from, DateTimeOffset to, TimeSpan step, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowName);
        if (to <= from)
        {
            throw new ArgumentException($"The history series of '{workflowName}' needs 'to' ({to:O}) after 'from' ({from:O}).", nameof(to));
        }

        if (step < TimeSpan.FromMinutes(1) || step.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            throw new ArgumentException($"The history series step must be whole minutes, at least one (was {step}): the history is kept per minute.", nameof(step));
        }

        var points = (to - from).Ticks / step.Ticks + ((to - from).Ticks % step.Ticks == 0 ? 0 : 1);
        if (points > MaxPoints)
        {
            throw new ArgumentException($"The history series from {from:O} to {to:O} in steps of {step} has {points} points; at most {MaxPoints} are returned. Use a longer step.", nameof(step));
        }

        var rows = new Dictionary<DateTimeOffset, PipelineHistoryPoint>();
        await using (var session = await store.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand(store.Sql.Series, session.Connection);
            command.Parameters.Add(new NpgsqlParameter("workflow", NpgsqlDbType.Text) { Value = workflowName });
            command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = to.UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter("step", NpgsqlDbType.Interval) { Value = step });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var start = new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero);
                rows[start] = new PipelineHistoryPoint
                {
                    Start = start,
                    Completed = reader.GetInt64(1),
                    Failed = reader.GetInt64(2),
                    Retried = reader.GetInt64(3),
                    Snoozed = reader.GetInt64(4),
                    Rescued = reader.GetInt64(5),
                    Wait = Summarize(reader.GetFieldValue<long[]>(6), reader.GetDouble(7)),
                    Processing = Summarize(reader.GetFieldValue<long[]>(8), reader.GetDouble(9)),
                };
            }
        }

        var series = new List<PipelineHistoryPoint>((int)points);
        for (var start = from; start < to; start += step)
        {
            var utc = start.ToUniversalTime();
            series.Add(rows.TryGetValue(utc, out var point) ? point with { Start = start } : Empty(start));
        }

        return series;
    }

    public async Task<IReadOnlyList<PipelineErrorGroup>> GetErrorGroupsAsync(string? workflowName, DateTimeOffset since, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxGroups);
        await using var session = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(store.Sql.ErrorGroups, session.Connection);
        command.Parameters.Add(new NpgsqlParameter("workflow", NpgsqlDbType.Text) { Value = (object?)workflowName ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = since.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var groups = new List<PipelineErrorGroup>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            groups.Add(new PipelineErrorGroup
            {
                Workflow = reader.GetString(0),
                Message = reader.GetString(1),
                Count = reader.GetInt64(2),
                FirstSeen = new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero),
                LastSeen = new DateTimeOffset(reader.GetFieldValue<DateTime>(4), TimeSpan.Zero),
                SampleKeys = reader.IsDBNull(5) ? [] : reader.GetFieldValue<string[]>(5),
            });
        }

        return groups;
    }

    /// <summary>Returns the percentiles and maximum of a merged distribution, or null when it counted nothing.</summary>
    internal static PipelineDurations? Summarize(ReadOnlySpan<long> buckets, double maxMilliseconds)
    {
        long count = 0;
        foreach (var bucket in buckets)
        {
            count += bucket;
        }

        if (count == 0)
        {
            return null;
        }

        return new PipelineDurations
        {
            Count = count,
            P50 = TimeSpan.FromMilliseconds(HistoryBuckets.Percentile(buckets, 0.5, maxMilliseconds) ?? 0),
            P95 = TimeSpan.FromMilliseconds(HistoryBuckets.Percentile(buckets, 0.95, maxMilliseconds) ?? 0),
            Max = TimeSpan.FromMilliseconds(maxMilliseconds),
        };
    }

    private static PipelineHistoryPoint Empty(DateTimeOffset start)
        => new() { Start = start, Completed = 0, Failed = 0, Retried = 0, Snoozed = 0, Rescued = 0 };
}
