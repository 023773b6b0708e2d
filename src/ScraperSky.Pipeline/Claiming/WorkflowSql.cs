using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// Every SQL statement a workflow sends, generated once from its <see cref="WorkflowDefinition"/>. Identifiers are
/// quoted, status values are provider-generated literals, and everything that varies at run time is a parameter.
/// </summary>
internal sealed class WorkflowSql
{
    /// <summary>Parameter holding the claim's row limit.</summary>
    public const string BatchSizeParameter = "batch_size";

    /// <summary>Parameters of the batched outcome statement: parallel arrays of key, outcome kind and reason.</summary>
    public const string KeysParameter = "keys";
    public const string KindsParameter = "kinds";
    public const string ReasonsParameter = "reasons";

    /// <summary>Outcome kinds as sent in <see cref="KindsParameter"/>.</summary>
    public const short CompletedKind = 0;
    public const short ErrorKind = 1;

    public WorkflowSql(WorkflowDefinition definition)
    {
        var d = definition;
        var l = d.Literals;

        AtomicClaim =
            $"SELECT t.* FROM {d.Table} AS t WHERE t.{d.StatusColumn} = {l.Queued} " +
            $"ORDER BY t.{d.KeyColumn} LIMIT @{BatchSizeParameter} FOR UPDATE SKIP LOCKED";

        var setError = d.ErrorColumn is null ? string.Empty : $", {d.ErrorColumn} = o.reason";
        WriteOutcomes =
            $"UPDATE {d.Table} AS t SET {d.StatusColumn} = CASE o.kind WHEN {CompletedKind} THEN {l.Completed} ELSE {l.Error} END{setError} " +
            $"FROM unnest(@{KeysParameter}, @{KindsParameter}, @{ReasonsParameter}) AS o(key, kind, reason) " +
            $"WHERE t.{d.KeyColumn} = o.key";

        var errorSelect = d.ErrorColumn is null ? string.Empty : $", t.{d.ErrorColumn}";
        VerifySchema =
            $"SELECT t.{d.KeyColumn}, t.{d.StatusColumn}{errorSelect} FROM {d.Table} AS t " +
            $"WHERE t.{d.StatusColumn} IN ({l.Queued}, {l.Processing}, {l.Completed}, {l.Error}) LIMIT 0";
    }

    /// <summary>Atomic-batch claim: locks up to <c>@batch_size</c> queued rows, skipping rows other workers hold.</summary>
    public string AtomicClaim { get; }

    /// <summary>Writes many items' outcomes in one statement.</summary>
    public string WriteOutcomes { get; }

    /// <summary>Touches the table, the columns and the four status literals without reading a row.</summary>
    public string VerifySchema { get; }
}
