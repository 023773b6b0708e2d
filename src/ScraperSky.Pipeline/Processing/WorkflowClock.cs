using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// The time the workflow's SQL uses: the database clock (<c>now()</c>) with the system <see cref="TimeProvider"/>,
/// or the injected provider's time (a test's FakeTimeProvider), bound as <c>@now</c>.
/// </summary>
internal sealed class WorkflowClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public NpgsqlParameter NowParameter() => new(WorkflowSql.NowParameter, NpgsqlDbType.TimestampTz)
    {
        Value = ReferenceEquals(Time, TimeProvider.System) ? DBNull.Value : Time.GetUtcNow(),
    };
}
