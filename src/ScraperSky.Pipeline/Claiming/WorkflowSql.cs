using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// Every SQL statement a workflow sends, generated once from its <see cref="WorkflowDefinition"/>. Identifiers are
/// quoted, status values are provider-generated literals, and everything that varies at run time is a parameter.
/// </summary>
/// <remarks>
/// Time in SQL is <c>coalesce(@now, now())</c>: the database clock, unless a test binds <c>@now</c> from its
/// <see cref="TimeProvider"/>. Candidate rows are aliased <c>c</c> (filters and orders are written over it), updated
/// rows <c>t</c>, and outcome rows <c>o</c>.
/// </remarks>
internal sealed partial class WorkflowSql
{
    public const string BatchSizeParameter = "batch_size";
    public const string NowParameter = "now";
    public const string LeaseParameter = "lease";
    public const string TokenParameter = "token";
    public const string KeyParameter = "key";
    public const string MaxAttemptsParameter = "max_attempts";
    public const string LockParameter = "lock";
    public const string KeysParameter = "keys";
    public const string KindsParameter = "kinds";
    public const string ReasonsParameter = "reasons";
    public const string DelaysParameter = "delays";
    public const string TokensParameter = "tokens";
    public const string PidParameter = "pid";
    public const string XidParameter = "xid";
    public const string ReasonParameter = "reason";

    /// <summary>Outcome kinds as sent in <see cref="KindsParameter"/>.</summary>
    public const short CompletedKind = 0;
    public const short ErrorKind = 1;
    public const short RetryKind = 2;
    public const short SnoozeKind = 3;
    public const short ReleaseKind = 4;

    private const string Now = "coalesce(@" + NowParameter + ", now())";

    private readonly WorkflowDefinition _definition;
    private volatile string? _writeLeaseOutcomes;
    private volatile string? _rescue;
    private volatile string _writeAtomicOutcomes = string.Empty;
    private int? _errorLength;

    public WorkflowSql(WorkflowDefinition definition)
    {
        var d = definition;
        var l = d.Literals;
        var key = d.KeyColumn;

        var claimable = $"c.{d.StatusColumn} = {l.Queued}";
        if (d.NextAttemptColumn is not null)
        {
            claimable += $" AND (c.{d.NextAttemptColumn} IS NULL OR c.{d.NextAttemptColumn} <= {Now})";
        }

        if (d.Filter is not null)
        {
            claimable += $" AND ({d.Filter.Sql})";
        }

        AtomicClaim = $"SELECT c.* FROM {d.Table} AS c WHERE {claimable} ORDER BY {d.OrderBy} LIMIT @{BatchSizeParameter} FOR UPDATE SKIP LOCKED";
        // The same claim with the claiming transaction's id as an extra last column (what the outcome statement is
        // fenced by), so that reading it costs no round trip of its own.
        AtomicClaimWithTransactionId = $"SELECT c.*, txid_current() AS {TransactionIdColumn} FROM {d.Table} AS c WHERE {claimable} ORDER BY {d.OrderBy} LIMIT @{BatchSizeParameter} FOR UPDATE SKIP LOCKED";
        AtomicClaimKeys = $"SELECT c.{key} FROM {d.Table} AS c WHERE {claimable} ORDER BY {d.OrderBy} LIMIT @{BatchSizeParameter} FOR UPDATE SKIP LOCKED";
        SelectOne = $"SELECT t.* FROM {d.Table} AS t WHERE t.{key} = @{KeyParameter}";

        // One row alone, still claimable: how the loop isolates the rows of an atomic batch that broke its transaction.
        AtomicClaimOne = $"SELECT c.* FROM {d.Table} AS c WHERE c.{key} = @{KeyParameter} AND {claimable} FOR UPDATE SKIP LOCKED";

        _definition = d;
        BuildWriters();

        if (d.AttemptsColumn is { } attempts && d.LeaseColumn is { } lease && d.ClaimedByColumn is { } claimedBy)
        {
            // "= ANY(ARRAY(subquery))" rather than "IN (subquery)": prepared, the IN form gets a generic plan (the LIMIT
            // unknown) that hash-joins against a scan of the whole table on every claim; the ARRAY form is an
            // init-plan whose keys drive a primary-key lookup whatever the plan. RETURNING has no order; the outer
            // SELECT hands rows to processors in claim order. The claim leaves
            // the updated-at column alone, so that it still says when the row was queued (the queue-lag metric).
            LeaseClaim =
                $"WITH claimed AS (UPDATE {d.Table} AS t SET {d.StatusColumn} = {l.Processing}, {attempts} = t.{attempts} + 1, " +
                $"{lease} = {Now} + @{LeaseParameter}, {claimedBy} = @{TokenParameter} " +
                $"WHERE t.{key} = ANY(ARRAY(SELECT c.{key} FROM {d.Table} AS c WHERE {claimable} ORDER BY {d.OrderBy} LIMIT @{BatchSizeParameter} FOR UPDATE SKIP LOCKED)) " +
                $"RETURNING t.*) SELECT c.* FROM claimed AS c ORDER BY {d.OrderBy}";

            var ours = $"t.{d.StatusColumn} = {l.Processing} AND t.{claimedBy} = @{TokenParameter}";

            // SKIP LOCKED: when the item's own open transaction holds the row, this returns at once (0 rows) instead
            // of waiting on ourselves; the caller then extends within that transaction.
            ExtendLease =
                $"UPDATE {d.Table} AS t SET {lease} = {Now} + @{LeaseParameter} " +
                $"WHERE t.{key} = ANY(ARRAY(SELECT c.{key} FROM {d.Table} AS c WHERE c.{key} = @{KeyParameter} FOR UPDATE SKIP LOCKED)) AND {ours}";

            // The lease keeper: every row the host holds, in one statement. SKIP LOCKED so that the keeper never waits
            // on a row an item has locked in its own transaction (the rescuer cannot take a locked row either). The
            // fence is one join condition, as in the lease outcomes: "status = processing" as a filter on t alone made
            // the planner rescan the unnest for every held row (4.7 s for 2,000 held rows with a generic plan).
            RenewLeases =
                $"UPDATE {d.Table} AS t SET {lease} = {Now} + @{LeaseParameter} " +
                $"FROM unnest(@{KeysParameter}, @{TokensParameter}) AS h(key, token) " +
                $"WHERE t.{key} = h.key AND h.token = CASE WHEN t.{d.StatusColumn} = {l.Processing} THEN t.{claimedBy} END " +
                $"AND t.{key} = ANY(ARRAY(SELECT c.{key} FROM {d.Table} AS c WHERE c.{key} = ANY(@{KeysParameter}) FOR UPDATE SKIP LOCKED))";

            ClaimedKeys = $"SELECT t.{key} FROM {d.Table} AS t WHERE {ours}";
        }

        var errorSelect = d.ErrorColumn is null ? string.Empty : $", t.{d.ErrorColumn}";
        var optionalSelect = string.Concat(d.OptionalColumns.Select(c => ", t." + c.Column));
        VerifySchema =
            $"SELECT t.{key}, t.{d.StatusColumn}{errorSelect}{optionalSelect} FROM {d.Table} AS t " +
            $"WHERE t.{d.StatusColumn} IN ({l.Queued}, {l.Processing}, {l.Completed}, {l.Error}) LIMIT 0";
        QueueDepth = $"SELECT count(*) AS \"Value\" FROM {d.Table} AS c WHERE c.{d.StatusColumn} = {l.Queued}";
        ClaimPlan = $"SELECT c.{key} FROM {d.Table} AS c WHERE {claimable} ORDER BY {d.OrderBy} LIMIT 100";
        // Every status other than the four among at most 1,000 rows, with the sample's size: counts are exact only
        // when the sample is smaller than its limit.
        UnknownStatuses =
            $"SELECT s::text, count(*), sum(count(*)) OVER () FROM (SELECT t.{d.StatusColumn} AS s FROM {d.Table} AS t " +
            $"WHERE t.{d.StatusColumn} IS NULL OR t.{d.StatusColumn} NOT IN ({l.Queued}, {l.Processing}, {l.Completed}, {l.Error}) LIMIT {UnknownStatusSample}) AS u GROUP BY 1 ORDER BY 2 DESC";
        StatusTexts = $"SELECT ({l.Queued})::text, ({l.Processing})::text, ({l.Completed})::text, ({l.Error})::text";
        QueuedExists = $"SELECT EXISTS (SELECT 1 FROM {d.Table} AS t WHERE t.{d.StatusColumn} = {l.Queued})";
        ClaimIndexBody = $"({d.OrderBy.Replace("c.", string.Empty, StringComparison.Ordinal)}) WHERE {d.StatusColumn} = {l.Queued}";
        // Named and idempotent: run twice, it builds one index. CONCURRENTLY: no transaction may surround it.
        ClaimIndexName = SqlIdentifier.Bounded("scrapersky_", d.Name, "_claim");
        PartialIndex = $"CREATE INDEX CONCURRENTLY IF NOT EXISTS {SqlIdentifier.Quote(ClaimIndexName)} ON {d.Table} {ClaimIndexBody}";
        if (d.LeaseColumn is not null)
        {
            RescueIndexBody = $"({d.LeaseColumn}) WHERE {d.StatusColumn} = {l.Processing}";
            RescueIndexName = SqlIdentifier.Bounded("scrapersky_", d.Name, "_rescue");
            RescueIndex = $"CREATE INDEX CONCURRENTLY IF NOT EXISTS {SqlIdentifier.Quote(RescueIndexName)} ON {d.Table} {RescueIndexBody}";
        }
    }

    /// <summary>
    /// Fits error texts into an error column of at most <paramref name="length"/> characters (read at start-up): longer
    /// reasons are cut and end with "…", instead of failing the outcome statement (22001) and with it the batch.
    /// </summary>
    public void LimitErrorText(int length)
    {
        _errorLength = Math.Max(length, 1);
        BuildWriters();
    }

    /// <summary>Gets the error column's length limit applied to the statements, or null when it has none.</summary>
    public int? ErrorTextLimit => _errorLength;

    private string FitError(string text) => _errorLength is not { } n
        ? text
        : $"CASE WHEN length({text}) > {n} THEN left({text}, {n - 1}) || '…' ELSE {text} END";

    // The statements that write error texts: built again when the error column's length becomes known.
    private void BuildWriters()
    {
        var d = _definition;
        var l = d.Literals;
        var key = d.KeyColumn;
        var updated = d.UpdatedAtColumn is null ? string.Empty : $", {d.UpdatedAtColumn} = {Now}";
        var outcomes = $"FROM unnest(@{KeysParameter}, @{KindsParameter}, @{ReasonsParameter}, @{DelaysParameter}) AS o(key, kind, reason, delay) WHERE t.{key} = o.key";
        var status = $"{d.StatusColumn} = CASE o.kind WHEN {CompletedKind} THEN {l.Completed} WHEN {ErrorKind} THEN {l.Error} WHEN {RetryKind} THEN {l.Queued} WHEN {SnoozeKind} THEN {l.Queued} WHEN {ReleaseKind} THEN {l.Queued} END";
        var keepsError = $"o.kind IN ({SnoozeKind}, {ReleaseKind})";
        var error = d.ErrorColumn is null ? string.Empty : $", {d.ErrorColumn} = CASE WHEN {keepsError} THEN t.{d.ErrorColumn} ELSE {FitError("o.reason")} END";
        var next = d.NextAttemptColumn is null ? string.Empty : $", {d.NextAttemptColumn} = CASE WHEN o.kind IN ({RetryKind}, {SnoozeKind}) THEN {Now} + o.delay ELSE NULL END";

        // Written only inside the transaction that claimed (@xid, read after the claim): if something ended that
        // transaction on the way (a COMMIT sent around the session), the statement changes nothing, and the loop learns
        // it from the count instead of writing outcomes of rows it no longer holds.
        WriteAtomicOutcomes = $"UPDATE {d.Table} AS t SET {status}{error}{next}{updated} {outcomes} AND txid_current_if_assigned() = @{XidParameter}";

        if (d.AttemptsColumn is { } atomicAttempts)
        {
            // An isolated row that broke its own transaction: the failure counts as an attempt, and after the last
            // one the row ends as error (a terminal outcome restarts the count).
            var gaveUp = $"@{ReasonParameter} || ' (gave up after ' || (t.{atomicAttempts} + 1) || ' attempts)'";
            IsolatedFailure =
                $"UPDATE {d.Table} AS t SET {atomicAttempts} = CASE WHEN t.{atomicAttempts} + 1 >= @{MaxAttemptsParameter} THEN 0 ELSE t.{atomicAttempts} + 1 END, " +
                $"{d.StatusColumn} = CASE WHEN t.{atomicAttempts} + 1 >= @{MaxAttemptsParameter} THEN {l.Error} ELSE t.{d.StatusColumn} END" +
                (d.ErrorColumn is null ? string.Empty : $", {d.ErrorColumn} = CASE WHEN t.{atomicAttempts} + 1 >= @{MaxAttemptsParameter} THEN {FitError($"({gaveUp})")} ELSE t.{d.ErrorColumn} END") +
                $"{updated} WHERE t.{key} = @{KeyParameter} AND t.{d.StatusColumn} = {l.Queued} RETURNING t.{d.StatusColumn} = {l.Error}";
        }

        IsolatedError =
            $"UPDATE {d.Table} AS t SET {d.StatusColumn} = {l.Error}" +
            (d.ErrorColumn is null ? string.Empty : $", {d.ErrorColumn} = {FitError($"@{ReasonParameter}")}") +
            $"{updated} WHERE t.{key} = @{KeyParameter} AND t.{d.StatusColumn} = {l.Queued}";

        if (d.AttemptsColumn is not { } attempts || d.LeaseColumn is not { } lease || d.ClaimedByColumn is not { } claimedBy)
        {
            return;
        }

        // One statement serves outcomes of any number of claims: each outcome row carries its claim token, and the
        // whole fence (the row is still processing under that token) is one join condition on it, so the plan stays a
        // key lookup per outcome row. Neither part may be a filter on t alone: "status = processing" is rare when the
        // table is analysed, so the planner takes t for one row, scans it first and rescans the unnest for every
        // processing row — quadratic, 0.2–3.5 s for 1,000 outcomes against 2,000 processing rows.
        // A terminal outcome resets the attempt count, so a row queued again later starts with a fresh budget; a
        // snooze or a release gives its attempt back.
        var leaseOutcomes = $"FROM unnest(@{KeysParameter}, @{KindsParameter}, @{ReasonsParameter}, @{DelaysParameter}, @{TokensParameter}) AS o(key, kind, reason, delay, token) WHERE t.{key} = o.key";
        WriteLeaseOutcomes =
            $"UPDATE {d.Table} AS t SET {status}, " +
            $"{attempts} = CASE WHEN o.kind IN ({CompletedKind}, {ErrorKind}) THEN 0 WHEN {keepsError} THEN t.{attempts} - 1 ELSE t.{attempts} END, " +
            $"{lease} = NULL, {claimedBy} = NULL{error}{next}{updated} " +
            $"{leaseOutcomes} AND o.token = CASE WHEN t.{d.StatusColumn} = {l.Processing} THEN t.{claimedBy} END RETURNING t.{key}";

        // An expired lease ends as error after the last attempt (with the count in the error text) and its attempt
        // count restarts, like every terminal outcome.
        var expiredError = d.ErrorColumn is null
            ? string.Empty
            : $", {d.ErrorColumn} = CASE WHEN t.{attempts} >= @{MaxAttemptsParameter} THEN {FitError($"('lease expired after ' || t.{attempts} || ' attempts')")} ELSE t.{d.ErrorColumn} END";

        // Only this workflow's rows: two workflows may share a table and its status column, told apart by filters.
        var rescueFilter = d.Filter is null ? string.Empty : $" AND ({d.Filter.Sql})";

        // One statement, one round trip: the transaction-scoped advisory lock elects the rescuing host for the
        // statement's own transaction (so it works behind transaction-mode poolers); SKIP LOCKED keeps two
        // rescuers, or a rescuer and a worker writing its outcome, off each other's rows.
        Rescue =
            $"WITH leader AS (SELECT pg_try_advisory_xact_lock(@{LockParameter}) AS elected), " +
            $"expired AS (SELECT c.{key} FROM {d.Table} AS c WHERE (SELECT elected FROM leader) AND c.{d.StatusColumn} = {l.Processing} AND c.{lease} < {Now}{rescueFilter} " +
            $"ORDER BY c.{lease} LIMIT @{BatchSizeParameter} FOR UPDATE SKIP LOCKED) " +
            $"UPDATE {d.Table} AS t SET {d.StatusColumn} = CASE WHEN t.{attempts} >= @{MaxAttemptsParameter} THEN {l.Error} ELSE {l.Queued} END, " +
            $"{attempts} = CASE WHEN t.{attempts} >= @{MaxAttemptsParameter} THEN 0 ELSE t.{attempts} END, " +
            $"{lease} = NULL, {claimedBy} = NULL{expiredError}{updated} " +
            $"FROM expired WHERE t.{key} = expired.{key} AND t.{d.StatusColumn} = {l.Processing} " +
            $"RETURNING t.{key}, t.{d.StatusColumn} = {l.Error}";
    }

    /// <summary>Atomic-batch claim: locks up to <c>@batch_size</c> claimable rows, skipping rows others hold.</summary>
    public string AtomicClaim { get; }

    /// <summary>The atomic claim with the claiming transaction's id as its last column (<see cref="TransactionIdColumn"/>).</summary>
    public string AtomicClaimWithTransactionId { get; }

    /// <summary>The name of the transaction-id column of <see cref="AtomicClaimWithTransactionId"/>.</summary>
    public const string TransactionIdColumn = "scrapersky_claim_xid";

    /// <summary>The atomic claim reading keys only: the fallback when a claimed row cannot be materialised.</summary>
    public string AtomicClaimKeys { get; }

    /// <summary>Reads one row by key.</summary>
    public string SelectOne { get; }

    /// <summary>Claims one row by key, if it is still claimable (isolation of a broken atomic batch).</summary>
    public string AtomicClaimOne { get; }

    /// <summary>Counts a broken transaction against an isolated row (attempts column); returns whether it ended as error.</summary>
    public string? IsolatedFailure { get; private set; }

    /// <summary>Ends an isolated row as error with a reason (no attempts column: after the documented number of isolated failures).</summary>
    public string IsolatedError { get; private set; } = string.Empty;

    /// <summary>Reads the current transaction's id (assigning one): what the atomic outcome statement is fenced by.</summary>
    public const string TransactionId = "SELECT txid_current()";

    /// <summary>Reads the current transaction's id if it has one, or null.</summary>
    public const string TransactionIdIfAssigned = "SELECT txid_current_if_assigned()";

    /// <summary>Writes many atomic-batch outcomes in one statement.</summary>
    public string WriteAtomicOutcomes { get => _writeAtomicOutcomes; private set => _writeAtomicOutcomes = value; }

    /// <summary>Lease claim: marks up to <c>@batch_size</c> rows processing under the claim token and returns them; null without lease columns.</summary>
    public string? LeaseClaim { get; }

    /// <summary>Writes many lease-mode outcomes in one statement, only for rows still held by the claim token; returns the keys written.</summary>
    public string? WriteLeaseOutcomes { get => _writeLeaseOutcomes; private set => _writeLeaseOutcomes = value; }

    /// <summary>Extends one item's lease while it is still held by the claim token.</summary>
    public string? ExtendLease { get; }

    /// <summary>Renews the leases of many rows (keys with their claim tokens) still held, skipping rows locked by their items.</summary>
    public string? RenewLeases { get; }

    /// <summary>Ends a backend (an abandoned item's transaction) on the server side.</summary>
    public const string TerminateBackend = "SELECT pg_terminate_backend(@" + PidParameter + ") AS \"Value\"";

    /// <summary>Keys still held by a claim token.</summary>
    public string? ClaimedKeys { get; }

    /// <summary>Returns expired leases to the queue, or to error after the last attempt.</summary>
    public string? Rescue { get => _rescue; private set => _rescue = value; }
}
