using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.WakeUp;

namespace ScraperSky.Pipeline.Operations;

/// <summary>
/// The statements of the queue API for one workflow: queue, re-queue, cancel and reset rows, each one statement that
/// locks its rows in key order, changes them, sends the workflow's wake-up notification when it queued any, and
/// reports how many rows it took and the last key (where the next keyset batch starts).
/// </summary>
/// <remarks>
/// Candidate rows are aliased <c>c</c> (the workflow's <c>Where</c> is written over it), updated rows <c>t</c>. Time is
/// <c>coalesce(@now, now())</c> as in every statement of the library: the database clock unless a test binds it.
/// </remarks>
internal sealed class QueueSql
{
    public const string NowParameter = Claiming.WorkflowSql.NowParameter;
    public const string AfterParameter = "after";
    public const string KeysParameter = "keys";
    public const string ReasonParameter = "reason";

    private const string Now = "coalesce(@" + NowParameter + ", now())";

    private readonly WorkflowDefinition _definition;

    public QueueSql(WorkflowDefinition definition)
    {
        _definition = definition;
        var d = definition;
        var l = d.Literals;
        var status = $"c.{d.StatusColumn}";

        // IS DISTINCT FROM: a NULL status is not processing either (the row is someone else's business only if a filter says so).
        NotProcessing = $"{status} IS DISTINCT FROM {l.Processing}";
        InError = $"{status} = {l.Error}";
        Queued = $"{status} = {l.Queued}";
        Processing = $"{status} = {l.Processing}";

        // A processing row without a lease (set by a writer outside the library) is under no live lease either.
        if (d.LeaseColumn is { } lease)
        {
            ProcessingLeaseExpired = $"{Processing} AND (c.{lease} IS NULL OR c.{lease} < {Now})";
        }

        QueueSet = $"{d.StatusColumn} = {l.Queued}{Bookkeeping(error: "NULL")}";
        Channel = WakeUpSql.Channel(d.Name);
    }

    public string NotProcessing { get; }

    public string InError { get; }

    public string Queued { get; }

    public string Processing { get; }

    /// <summary>Processing rows whose lease has expired (or that have none); null without lease columns.</summary>
    public string? ProcessingLeaseExpired { get; }

    /// <summary>What queueing writes: the queued value, a fresh attempt budget, no lease, next attempt or error, updated-at now.</summary>
    public string QueueSet { get; }

    /// <summary>The workflow's wake-up channel.</summary>
    public string Channel { get; }

    /// <summary>The condition on one key among <see cref="KeysParameter"/>.</summary>
    public string KeyIn => $"c.{_definition.KeyColumn} = ANY(@{KeysParameter})";

    /// <summary>What cancelling writes: the error value with the reason, cut to the error column's length when it has one.</summary>
    public string CancelSet(int? errorLimit)
    {
        var reason = "@" + ReasonParameter;
        var error = errorLimit is not { } n ? reason : $"CASE WHEN length({reason}) > {n} THEN left({reason}, {Math.Max(n - 1, 0)}) || '…' ELSE {reason} END";
        return $"{_definition.StatusColumn} = {_definition.Literals.Error}{Bookkeeping(error)}";
    }

    /// <summary>
    /// Changes the rows that match <paramref name="condition"/> and the workflow's own filter: returns (rows taken, rows
    /// changed, last key taken). With <paramref name="limit"/>, one keyset batch in key order after <c>@after</c>
    /// (when <paramref name="after"/>); <paramref name="skipLocked"/> passes over rows another transaction holds.
    /// </summary>
    public string Change(string condition, string set, bool notify, bool skipLocked, int? limit, bool after)
    {
        var d = _definition;
        var key = d.KeyColumn;
        var keyset = after ? $" AND c.{key} > @{AfterParameter}" : string.Empty;
        var take = limit is { } n ? $" LIMIT {n}" : string.Empty;
        var wait = skipLocked ? " SKIP LOCKED" : string.Empty;

        // Rows are locked in key order, so that two operations over the same rows never deadlock each other. The
        // notification goes in the same statement: delivered when its transaction commits, dropped when it rolls back.
        var notified = notify
            ? $", notified AS (SELECT pg_notify('{Channel}', '') FROM (SELECT 1 FROM changed LIMIT 1) AS n)"
            : string.Empty;
        var notifiedCount = notify ? ", (SELECT count(*) FROM notified)" : string.Empty;
        return
            $"WITH batch AS (SELECT c.{key} FROM {d.Table} AS c WHERE {Where(condition)}{keyset} ORDER BY c.{key}{take} FOR UPDATE OF c{wait}), " +
            $"changed AS (UPDATE {d.Table} AS t SET {set} FROM batch WHERE t.{key} = batch.{key} RETURNING t.{key}){notified} " +
            $"SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM changed), (SELECT b.{key} FROM batch AS b ORDER BY b.{key} DESC LIMIT 1){notifiedCount}";
    }

    /// <summary>
    /// Counts the rows that match <paramref name="condition"/> and the workflow's own filter; with
    /// <paramref name="skipLocked"/>, only rows no other transaction holds (a share lock taken for the statement alone).
    /// </summary>
    public string Count(string condition, bool skipLocked)
    {
        var d = _definition;
        return skipLocked
            ? $"SELECT count(*) FROM (SELECT 1 FROM {d.Table} AS c WHERE {Where(condition)} FOR SHARE OF c SKIP LOCKED) AS s"
            : $"SELECT count(*) FROM {d.Table} AS c WHERE {Where(condition)}";
    }

    /// <summary>Joins conditions with AND; nulls are left out.</summary>
    public static string And(params string?[] conditions) => string.Join(" AND ", conditions.Where(c => c is not null).Select(c => "(" + c + ")"));

    private string Where(string condition) => _definition.Filter is { } filter ? And(condition, filter.Sql) : condition;

    // The columns every change of status resets: attempts restart (a row queued again starts with a fresh budget, and a
    // cancelled row ends like every terminal outcome), no lease, no claim token, no next attempt, updated-at now.
    private string Bookkeeping(string error)
    {
        var d = _definition;
        var set = string.Empty;
        if (d.AttemptsColumn is { } attempts)
        {
            set += $", {attempts} = 0";
        }

        foreach (var column in new[] { d.LeaseColumn, d.ClaimedByColumn, d.NextAttemptColumn })
        {
            if (column is not null)
            {
                set += $", {column} = NULL";
            }
        }

        if (d.ErrorColumn is { } errorColumn)
        {
            set += $", {errorColumn} = {error}";
        }

        if (d.UpdatedAtColumn is { } updated)
        {
            set += $", {updated} = {Now}";
        }

        return set;
    }
}
