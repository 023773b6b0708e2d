using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Operations;

/// <summary>
/// The catalog's read-only SQL over one workflow's table: the counts per status (grouped, or capped per status for
/// large tables) and a page of rows. Always over the alias <c>c</c>, with the workflow's own <c>Where</c> filter,
/// status values as the definition's literals, identifiers quoted; time is <c>coalesce(@now, now())</c>.
/// </summary>
internal sealed class CatalogSql
{
    /// <summary>The parameter of the capped counts: the cap plus one, so that a count above the cap is seen.</summary>
    public const string LimitParameter = "cap";

    /// <summary>The parameter of the row page's key lower bound (exclusive).</summary>
    public const string AfterParameter = "after";

    /// <summary>The parameter of the row page's size.</summary>
    public const string PageParameter = "page";

    private const string Alias = WorkflowDefinitionResolver.CandidateAlias;
    private const string Now = "coalesce(@" + WorkflowSql.NowParameter + ", now())";

    private readonly WorkflowDefinition _d;

    public CatalogSql(WorkflowDefinition definition)
    {
        _d = definition;
        var d = definition;
        var l = d.Literals;
        var status = $"{Alias}.{d.StatusColumn}";
        var filter = d.Filter is null ? string.Empty : $" AND ({d.Filter.Sql})";
        Role = $"CASE {status} WHEN {l.Queued} THEN 0 WHEN {l.Processing} THEN 1 WHEN {l.Completed} THEN 2 WHEN {l.Error} THEN 3 END";
        var expired = d.LeaseColumn is null ? null : $"{Alias}.{d.LeaseColumn} < {Now}";
        var updated = d.UpdatedAtColumn is null ? null : $"{Alias}.{d.UpdatedAtColumn}";

        // One scan for the four counts; rows of values none of the four form groups of their own, read and ignored.
        GroupedCounts =
            $"SELECT {Role} AS role, count(*) AS n, " +
            $"{(expired is null ? "NULL::bigint" : $"count(*) FILTER (WHERE {expired})")} AS stuck, " +
            $"{(updated is null ? "NULL::timestamptz" : $"min({updated})")} AS oldest " +
            $"FROM {d.Table} AS {Alias} WHERE TRUE{filter} GROUP BY {status}";

        // Each count stops at @cap rows, so a table of millions costs at most four short index or table scans;
        // a count of @cap means "more than the cap" and the caller marks the counts inexact.
        string Capped(string literal, string? extra = null)
            => $"(SELECT count(*) FROM (SELECT 1 FROM {d.Table} AS {Alias} WHERE {status} = {literal}{(extra is null ? string.Empty : " AND " + extra)}{filter} LIMIT @{LimitParameter}) AS capped)";
        CappedCounts =
            $"SELECT {Capped(l.Queued)} AS queued, {Capped(l.Processing)} AS processing, {Capped(l.Completed)} AS completed, {Capped(l.Error)} AS error, " +
            $"{(expired is null ? "NULL::bigint" : Capped(l.Processing, expired))} AS stuck, " +
            $"{(updated is null ? "NULL::timestamptz" : $"(SELECT min({updated}) FROM {d.Table} AS {Alias} WHERE {status} = {l.Queued}{filter})")} AS oldest";

        string Column(string? column, string type) => column is null ? $"NULL::{type}" : $"{Alias}.{column}";
        RowColumns =
            $"SELECT {Alias}.{d.KeyColumn} AS key, {status}::text AS status, {Role} AS role, {Column(d.ErrorColumn, "text")} AS error, " +
            $"{Column(d.AttemptsColumn, "int")}::int AS attempts, {Column(d.UpdatedAtColumn, "timestamptz")} AS updated_at, " +
            $"{Column(d.NextAttemptColumn, "timestamptz")} AS next_attempt_at, {Column(d.LeaseColumn, "timestamptz")} AS lease_expires_at " +
            $"FROM {d.Table} AS {Alias} WHERE TRUE{filter}";
    }

    /// <summary>The status role of a row (0 to 3, in <see cref="StatusRole"/> order), or NULL for any other value.</summary>
    public string Role { get; }

    /// <summary>One row per status value: role, count, expired leases among them, oldest updated-at.</summary>
    public string GroupedCounts { get; }

    /// <summary>One row: the four counts, the expired leases and the oldest queued updated-at; counts stop at <c>@cap</c>.</summary>
    public string CappedCounts { get; }

    /// <summary>The row page's columns and the workflow's filter, without order or limit.</summary>
    public string RowColumns { get; }

    /// <summary>A page of rows matching <paramref name="rowFilter"/> (over alias <c>c</c>), after <c>@after</c> when <paramref name="hasAfter"/>.</summary>
    public string RowPage(string rowFilter, bool hasAfter)
        => $"{RowColumns} AND ({rowFilter}){(hasAfter ? $" AND {Alias}.{_d.KeyColumn} > @{AfterParameter}" : string.Empty)} " +
           $"ORDER BY {Alias}.{_d.KeyColumn} LIMIT @{PageParameter}";
}
