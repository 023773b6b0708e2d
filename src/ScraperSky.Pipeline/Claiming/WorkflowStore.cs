using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The one place that runs the workflow's statements against the application's table, through typed methods: claims
/// in both modes, outcomes, lease renewal, the rescue, the queue count, and ending an abandoned item's backend. The
/// SQL text comes from <see cref="WorkflowSql"/>; sessions come from the workflow's DbContext type, either the caller's
/// (inside its transaction) or a short-lived one of the store's own.
/// </summary>
internal sealed partial class WorkflowStore<TEntity> : IWorkflowStore
    where TEntity : class
{
    private readonly WorkflowDefinition _definition;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;

    public WorkflowStore(WorkflowDefinition definition, WorkflowClock clock, IServiceScopeFactory scopes, ILogger logger)
    {
        _definition = definition;
        _scopes = scopes;
        _logger = logger;
        Clock = clock;
        Sql = new WorkflowSql(definition);
        Preparation = new StatementPreparation();
        Sessions = new StoreSessions(scopes, definition.Registration.ContextType);
        Rows = RowMaterializer<TEntity>.Create((IEntityType)definition.KeyProperty.DeclaringType, definition.StoreObject);
        if (Rows.Unsupported is { } reason)
        {
            Log.ClaimReadByEfCore(logger, definition.Name, reason);
        }
    }

    /// <summary>The workflow's own reader of claimed rows; when its <see cref="RowMaterializer{TEntity}.Unsupported"/> is set, claims use EF Core's query.</summary>
    public RowMaterializer<TEntity> Rows { get; }

    /// <summary>Whether claimed items come with snapshots and run untracked until their processor changes them.</summary>
    private bool Snapshots => Rows.TracksLazily;

    public WorkflowSql Sql { get; }

    /// <summary>Prepares the hot statements (claims, outcomes, renewal) on connections that reach the server directly.</summary>
    public StatementPreparation Preparation { get; }

    public WorkflowClock Clock { get; }

    /// <summary>The store's own sessions for its short, frequent statements, kept for reuse.</summary>
    public StoreSessions Sessions { get; }

    /// <summary>Opens a short-lived session of the workflow's DbContext type; dispose the scope to end it.</summary>
    public (AsyncServiceScope Scope, DbContext Db) OpenSession()
    {
        var scope = _scopes.CreateAsyncScope();
        return (scope, (DbContext)scope.ServiceProvider.GetRequiredService(_definition.Registration.ContextType));
    }

    /// <summary>
    /// Atomic batch: locks up to <paramref name="batchSize"/> claimable rows in the session's open transaction and reads
    /// them, with the transaction's id (<see cref="Claim{TEntity}.TransactionId"/>) when the workflow's row reader is used.
    /// </summary>
    public async Task<Claim<TEntity>> ClaimAtomicAsync(DbContext db, int batchSize, CancellationToken cancellationToken)
    {
        if (Rows.Unsupported is null)
        {
            // Rows that cannot be read come back unreadable from the reader itself; the transaction is untouched.
            return await Rows.ReadAsync(db, Sql.AtomicClaimWithTransactionId, AtomicClaimParameters(batchSize), transactionIdColumn: true, Snapshots, cancellationToken, Preparation).ConfigureAwait(false);
        }

        try
        {
            var items = await db.Set<TEntity>()
                .FromSqlRaw(Sql.AtomicClaim, AtomicClaimParameters(batchSize))
                .AsNoTracking()
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
            return new Claim<TEntity>(items, []);
        }
        catch (Exception ex) when (RowReader.IsMaterializationFailure(ex))
        {
            // A claimed row cannot be read (a NULL in a required column, a value the model cannot hold). The failure
            // happened in this process, so the transaction still stands: claim keys, then read rows one at a time.
            Log.UnreadableRowInBatch(_logger, ex, _definition.Name);
            var keys = await RowReader.ReadKeysAsync(db, Sql.AtomicClaimKeys, AtomicClaimParameters(batchSize), cancellationToken).ConfigureAwait(false);
            return await RowReader.ReadOneByOneAsync<TEntity>(db, Sql, keys, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Lease mode: marks up to <paramref name="batchSize"/> rows processing under <paramref name="token"/> (one short statement) and reads them.</summary>
    public async Task<Claim<TEntity>> ClaimLeaseAsync(DbContext db, int batchSize, TimeSpan lease, string token, CancellationToken cancellationToken)
    {
        if (Rows.Unsupported is null)
        {
            return await Rows.ReadAsync(db, Sql.LeaseClaim!, LeaseClaimParameters(batchSize, lease, token), transactionIdColumn: false, Snapshots, cancellationToken, Preparation).ConfigureAwait(false);
        }

        try
        {
            var items = await db.Set<TEntity>()
                .FromSqlRaw(Sql.LeaseClaim!, LeaseClaimParameters(batchSize, lease, token))
                .AsNoTracking()
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
            return new Claim<TEntity>(items, []);
        }
        catch (Exception ex) when (RowReader.IsMaterializationFailure(ex))
        {
            // The claim committed but a row cannot be read: find what this token holds and read rows one at a time.
            Log.UnreadableRowInBatch(_logger, ex, _definition.Name);
            var keys = await RowReader.ReadKeysAsync(db, Sql.ClaimedKeys!, [new NpgsqlParameter(WorkflowSql.TokenParameter, token)], cancellationToken).ConfigureAwait(false);
            return await RowReader.ReadOneByOneAsync<TEntity>(db, Sql, keys, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Atomic batch: writes the batch's outcomes in one statement, only inside the transaction <paramref name="xid"/>
    /// (the one that claimed); returns the rows written.
    /// </summary>
    public Task<int> WriteAtomicOutcomesAsync(DbContext db, OutcomeBatch outcomes, long xid)
    {
        NpgsqlParameter[] parameters = [.. outcomes.ToParameters(), Clock.NowParameter(), new(WorkflowSql.XidParameter, NpgsqlDbType.Bigint) { Value = xid }];
        return Preparation.RunAsync(db, Sql.WriteAtomicOutcomes, parameters, static (command, ct) => command.ExecuteNonQueryAsync(ct), CancellationToken.None);
    }

    /// <summary>Atomic batch: the id of the session's open transaction (assigning one), read right after the claim.</summary>
    public async Task<long> TransactionIdAsync(DbContext db, CancellationToken cancellationToken)
        => (long)(await ScalarAsync(db, WorkflowSql.TransactionId, [], cancellationToken).ConfigureAwait(false))!;

    /// <summary>The id of the session's transaction if it has one: null when no transaction is open any more.</summary>
    public async Task<long?> TransactionIdIfAssignedAsync(DbContext db)
        => await ScalarAsync(db, WorkflowSql.TransactionIdIfAssigned, [], CancellationToken.None).ConfigureAwait(false) as long?;

    /// <summary>Atomic isolation: claims one row by key in the session's open transaction, if it is still claimable.</summary>
    public async Task<Claim<TEntity>> ClaimAtomicOneAsync(DbContext db, object? key, CancellationToken cancellationToken)
    {
        NpgsqlParameter[] parameters = [new(WorkflowSql.KeyParameter, key), Clock.NowParameter()];
        if (_definition.Filter is { } filter)
        {
            parameters = [.. parameters, .. filter.CreateParameters()];
        }

        if (Rows.Unsupported is null)
        {
            return await Rows.ReadAsync(db, Sql.AtomicClaimOne, parameters, transactionIdColumn: false, Snapshots, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var items = await db.Set<TEntity>().FromSqlRaw(Sql.AtomicClaimOne, parameters).AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
            return new Claim<TEntity>(items, []);
        }
        catch (Exception ex) when (RowReader.IsMaterializationFailure(ex))
        {
            return new Claim<TEntity>([], [(key, "the row could not be read: " + ErrorReason.Of(ex.InnerException ?? ex))]);
        }
    }

    /// <summary>
    /// Atomic isolation: counts a broken transaction against a row on a session of the store's own — an attempt, with
    /// an attempts column (error after <paramref name="maxAttempts"/>); without one, the row ends as error when
    /// <paramref name="final"/>. Returns whether the row ended as error.
    /// </summary>
    public async Task<bool> CountIsolatedFailureAsync(object? key, string reason, int maxAttempts, bool final)
    {
        var (scope, db) = OpenSession();
        await using (scope.ConfigureAwait(false))
        {
            if (Sql.IsolatedFailure is { } counted)
            {
                var ended = await ScalarAsync(
                    db,
                    counted,
                    [
                        new NpgsqlParameter(WorkflowSql.KeyParameter, key),
                        new NpgsqlParameter(WorkflowSql.MaxAttemptsParameter, maxAttempts),
                        new NpgsqlParameter(WorkflowSql.ReasonParameter, reason),
                        Clock.NowParameter(),
                    ],
                    CancellationToken.None).ConfigureAwait(false);
                return ended is true;
            }

            if (!final)
            {
                return false;
            }

            var affected = await db.Database.ExecuteSqlRawAsync(
                Sql.IsolatedError,
                [new NpgsqlParameter(WorkflowSql.KeyParameter, key), new NpgsqlParameter(WorkflowSql.ReasonParameter, reason), Clock.NowParameter()],
                CancellationToken.None).ConfigureAwait(false);
            return affected == 1;
        }
    }

    /// <summary>
    /// Lease mode: writes outcomes (each with its claim token) in one statement on <paramref name="db"/> — in its open
    /// transaction, if any — only for rows still held by that token; returns the keys written.
    /// </summary>
    public Task<List<object?>> WriteLeaseOutcomesAsync(DbContext db, OutcomeBatch outcomes, CancellationToken cancellationToken)
    {
        NpgsqlParameter[] parameters = [.. outcomes.ToParameters(), Clock.NowParameter()];
        return RowReader.ReadKeysAsync(db, Sql.WriteLeaseOutcomes!, parameters, cancellationToken, Preparation);
    }

    /// <summary>
    /// Lease mode: <see cref="WriteLeaseOutcomesAsync(DbContext, OutcomeBatch, CancellationToken)"/> on a session of the
    /// store's own. With <paramref name="holdConnection"/> (a batch's last flush, right before the run's next claim) the
    /// session keeps its connection for that claim while a run is under way.
    /// </summary>
    public async Task<List<object?>> WriteLeaseOutcomesAsync(OutcomeBatch outcomes, bool holdConnection, CancellationToken cancellationToken)
    {
        var session = Sessions.Rent();
        await using (session.ConfigureAwait(false))
        {
            if (holdConnection)
            {
                await session.HoldConnectionAsync(cancellationToken).ConfigureAwait(false);
            }

            return await WriteLeaseOutcomesAsync(session.Db, outcomes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a statement on the session's connection (in its open transaction, if any) and reads one value.</summary>
    private static async Task<object?> ScalarAsync(DbContext db, string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = db.Database.GetDbConnection().CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = sql;
                command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
                command.Parameters.AddRange(parameters);
                var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return value is DBNull ? null : value;
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }


    private NpgsqlParameter[] AtomicClaimParameters(int batchSize)
    {
        NpgsqlParameter[] parameters = [new(WorkflowSql.BatchSizeParameter, NpgsqlDbType.Integer) { Value = batchSize }, Clock.NowParameter()];
        return _definition.Filter is { } filter ? [.. parameters, .. filter.CreateParameters()] : parameters;
    }

    private NpgsqlParameter[] LeaseClaimParameters(int batchSize, TimeSpan lease, string token)
    {
        NpgsqlParameter[] parameters =
        [
            new(WorkflowSql.BatchSizeParameter, NpgsqlDbType.Integer) { Value = batchSize },
            new(WorkflowSql.LeaseParameter, NpgsqlDbType.Interval) { Value = lease },
            new(WorkflowSql.TokenParameter, NpgsqlDbType.Text) { Value = token },
            Clock.NowParameter(),
        ];
        return _definition.Filter is { } filter ? [.. parameters, .. filter.CreateParameters()] : parameters;
    }
}
