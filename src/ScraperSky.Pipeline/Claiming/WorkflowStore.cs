using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The one place that runs the workflow's statements against the application's table, through typed methods: claims
/// in both modes, outcomes, lease renewal, the rescue, the queue count, and ending an abandoned item's backend. The
/// SQL text comes from <see cref="WorkflowSql"/>; sessions come from the workflow's DbContext type, either the caller's
/// (inside its transaction) or a short-lived one of the store's own.
/// </summary>
internal sealed class WorkflowStore<TEntity> : IWorkflowStore
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

    public WorkflowClock Clock { get; }

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
            return await Rows.ReadAsync(db, Sql.AtomicClaimWithTransactionId, AtomicClaimParameters(batchSize), transactionIdColumn: true, Snapshots, cancellationToken).ConfigureAwait(false);
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
            return await Rows.ReadAsync(db, Sql.LeaseClaim!, LeaseClaimParameters(batchSize, lease, token), transactionIdColumn: false, Snapshots, cancellationToken).ConfigureAwait(false);
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
        var parameters = new List<object>(outcomes.ToParameters()) { Clock.NowParameter(), new NpgsqlParameter(WorkflowSql.XidParameter, xid) };
        return db.Database.ExecuteSqlRawAsync(Sql.WriteAtomicOutcomes, parameters, CancellationToken.None);
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
            return new Claim<TEntity>([], [(key, "the row could not be read: " + ProcessorFailure.Reason(ex.InnerException ?? ex))]);
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
        var parameters = new List<NpgsqlParameter>(outcomes.ToParameters()) { Clock.NowParameter() };
        return RowReader.ReadKeysAsync(db, Sql.WriteLeaseOutcomes!, parameters, cancellationToken);
    }

    /// <summary>Lease mode: <see cref="WriteLeaseOutcomesAsync(DbContext, OutcomeBatch, CancellationToken)"/> on a session of the store's own.</summary>
    public async Task<List<object?>> WriteLeaseOutcomesAsync(OutcomeBatch outcomes, CancellationToken cancellationToken)
    {
        var (scope, db) = OpenSession();
        await using (scope.ConfigureAwait(false))
        {
            return await WriteLeaseOutcomesAsync(db, outcomes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Extends one row's lease while <paramref name="token"/> still holds it; false if it does not, or the row is locked.</summary>
    public async Task<bool> ExtendLeaseAsync(DbContext db, object? key, string token, TimeSpan duration, CancellationToken cancellationToken)
    {
        var affected = await db.Database.ExecuteSqlRawAsync(
            Sql.ExtendLease!,
            [
                new NpgsqlParameter(WorkflowSql.KeyParameter, key),
                new NpgsqlParameter(WorkflowSql.TokenParameter, token),
                new NpgsqlParameter(WorkflowSql.LeaseParameter, duration),
                Clock.NowParameter(),
            ],
            cancellationToken).ConfigureAwait(false);
        return affected == 1;
    }

    /// <summary>Renews the leases of the rows held (keys with their tokens) in one statement; returns how many were renewed.</summary>
    public async Task<int> RenewLeasesAsync(Array keys, string[] tokens, TimeSpan duration, CancellationToken cancellationToken)
    {
        var (scope, db) = OpenSession();
        await using (scope.ConfigureAwait(false))
        {
            return await db.Database.ExecuteSqlRawAsync(
                Sql.RenewLeases!,
                [
                    new NpgsqlParameter(WorkflowSql.KeysParameter, keys),
                    new NpgsqlParameter(WorkflowSql.TokensParameter, tokens),
                    new NpgsqlParameter(WorkflowSql.LeaseParameter, duration),
                    Clock.NowParameter(),
                ],
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a backend on the server side (its open transaction rolls back and its locks go); true if it was ended.</summary>
    public async Task<bool> TerminateBackendAsync(int processId, CancellationToken cancellationToken)
    {
        var (scope, db) = OpenSession();
        await using (scope.ConfigureAwait(false))
        {
            var ended = await db.Database
                .SqlQueryRaw<bool>(WorkflowSql.TerminateBackend, new NpgsqlParameter(WorkflowSql.PidParameter, processId))
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
            return ended.Count == 1 && ended[0];
        }
    }

    /// <summary>One rescue statement: up to <paramref name="chunkSize"/> expired leases back to the queue, or to error after the last attempt.</summary>
    public async Task<(int Requeued, int Failed)> RescueChunkAsync(DbContext db, long lockKey, int chunkSize, int maxAttempts, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RescueChunkOnOpenConnectionAsync(db, lockKey, chunkSize, maxAttempts, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private async Task<(int Requeued, int Failed)> RescueChunkOnOpenConnectionAsync(DbContext db, long lockKey, int chunkSize, int maxAttempts, CancellationToken cancellationToken)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = Sql.Rescue!;
            command.Parameters.Add(new NpgsqlParameter(WorkflowSql.LockParameter, lockKey));
            command.Parameters.Add(new NpgsqlParameter(WorkflowSql.BatchSizeParameter, chunkSize));
            command.Parameters.Add(new NpgsqlParameter(WorkflowSql.MaxAttemptsParameter, maxAttempts));
            command.Parameters.Add(Clock.NowParameter());
            if (_definition.Filter is { } filter)
            {
                command.Parameters.AddRange(filter.CreateParameters().ToArray());
            }

            var requeued = 0;
            var failed = 0;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetBoolean(1))
                    {
                        failed++;
                    }
                    else
                    {
                        requeued++;
                    }
                }
            }

            return (requeued, failed);
        }
    }

    /// <summary>The session's <c>idle_in_transaction_session_timeout</c> and <c>statement_timeout</c> (zero: none).</summary>
    public async Task<IReadOnlyList<(string Setting, TimeSpan Value)>> ServerTimeoutsAsync(DbContext db, CancellationToken cancellationToken)
    {
        var result = new List<(string, TimeSpan)>();
        foreach (var setting in (string[])["idle_in_transaction_session_timeout", "statement_timeout"])
        {
            // current_setting with a constant name; the value is in milliseconds without a unit from pg_settings.
            var value = await ScalarAsync(db, "SELECT setting::bigint FROM pg_settings WHERE name = @name", [new NpgsqlParameter("name", setting)], cancellationToken).ConfigureAwait(false);
            result.Add((setting, TimeSpan.FromMilliseconds(value is long ms ? ms : 0)));
        }

        return result;
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

    /// <summary>Counts the queued rows (the queue-depth gauge).</summary>
    public async Task<long> CountQueuedAsync(CancellationToken cancellationToken)
    {
        var (scope, db) = OpenSession();
        await using (scope.ConfigureAwait(false))
        {
            var counts = await db.Database.SqlQueryRaw<long>(Sql.QueueDepth).ToListAsync(cancellationToken).ConfigureAwait(false);
            return counts.Single();
        }
    }

    private NpgsqlParameter[] AtomicClaimParameters(int batchSize)
    {
        NpgsqlParameter[] parameters = [new(WorkflowSql.BatchSizeParameter, batchSize), Clock.NowParameter()];
        return _definition.Filter is { } filter ? [.. parameters, .. filter.CreateParameters()] : parameters;
    }

    private NpgsqlParameter[] LeaseClaimParameters(int batchSize, TimeSpan lease, string token)
    {
        NpgsqlParameter[] parameters =
        [
            new(WorkflowSql.BatchSizeParameter, batchSize),
            new(WorkflowSql.LeaseParameter, lease),
            new(WorkflowSql.TokenParameter, token),
            Clock.NowParameter(),
        ];
        return _definition.Filter is { } filter ? [.. parameters, .. filter.CreateParameters()] : parameters;
    }
}

/// <summary>The statements of a workflow's store that do not depend on its entity type (maintenance, counts).</summary>
internal interface IWorkflowStore
{
    WorkflowSql Sql { get; }

    WorkflowClock Clock { get; }

    (AsyncServiceScope Scope, DbContext Db) OpenSession();

    Task<(int Requeued, int Failed)> RescueChunkAsync(DbContext db, long lockKey, int chunkSize, int maxAttempts, CancellationToken cancellationToken);

    Task<long> CountQueuedAsync(CancellationToken cancellationToken);
}
