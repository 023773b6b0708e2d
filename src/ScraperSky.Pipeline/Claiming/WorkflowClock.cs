using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The two clocks of a workflow. <see cref="Time"/> is the host's <see cref="TimeProvider"/>: item timeouts and
/// scheduling. Time written into rows (leases, next attempts, updated-at) is the database's own <c>now()</c>, whatever
/// provider the host registered, so that hosts whose clocks disagree still agree on when a lease expires; only a test
/// seam (<see cref="SqlClock"/>) binds another time as <c>@now</c>.
/// </summary>
internal sealed class WorkflowClock(TimeProvider time, SqlClock? sqlClock = null)
{
    public TimeProvider Time { get; } = time;

    public NpgsqlParameter NowParameter() => new(WorkflowSql.NowParameter, NpgsqlDbType.TimestampTz)
    {
        Value = sqlClock is null ? DBNull.Value : sqlClock.Time.GetUtcNow(),
    };
}

/// <summary>
/// A test seam: registered as a singleton, the workflows' SQL uses this provider's time as <c>now()</c> instead of the
/// database clock (a test moves leases and retry times forward with a fake clock). Applications never register it.
/// </summary>
/// <param name="time">The provider whose time the SQL uses.</param>
internal sealed class SqlClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;
}
