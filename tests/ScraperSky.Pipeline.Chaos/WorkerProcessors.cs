using Npgsql;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>
/// Records processor calls in the append-only <c>attempts</c> (when a call starts) and <c>returns</c> (when it returns)
/// tables, on connections of their own in autocommit, so that calls whose work a kill or a restart rolled back — or
/// that the engine threw away — are still counted.
/// </summary>
internal sealed class CallLog : IDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly string _worker;

    public CallLog(WorkerSettings settings)
    {
        _source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(settings.ConnectionString) { ApplicationName = "chaos-calls" }.ConnectionString);
        _worker = settings.Name;
    }

    /// <summary>Records the start of call <paramref name="callId"/> of <paramref name="itemId"/> on this worker.</summary>
    public Task StartedAsync(Guid callId, string mode, long itemId, CancellationToken ct)
        => ExecuteAsync("INSERT INTO attempts (call_id, mode, item_id, worker) VALUES ($1, $2, $3, $4)", [callId, mode, itemId, _worker], ct);

    /// <summary>Records that call <paramref name="callId"/> returned, with the claim token and lease it ran under.</summary>
    public Task ReturnedAsync(Guid callId, string? claim, DateTimeOffset? leaseExpiresAt, CancellationToken ct)
        => ExecuteAsync("INSERT INTO returns (call_id, claim, lease_expires_at) VALUES ($1, $2, $3)", [callId, (object?)claim ?? DBNull.Value, (object?)leaseExpiresAt ?? DBNull.Value], ct);

    public void Dispose() => _source.Dispose();

    private async Task ExecuteAsync(string sql, object[] values, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = _source.CreateCommand(sql);
                foreach (var value in values)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                await command.ExecuteNonQueryAsync(ct);
                return;
            }
            catch (NpgsqlException) when (attempt < 5 && !ct.IsCancellationRequested)
            {
                // After a server restart the pool holds dead connections; drop them and try a fresh one.
                _source.Clear();
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), ct);
            }
        }
    }
}

/// <summary>
/// The lease-mode processor: records the call, does its simulated work (slow profile: a sleep that outlives the lease),
/// writes the ledger row with its call id in the item's own transaction, and records that it returned.
/// </summary>
internal sealed class LeaseLedgerProcessor(CallLog calls, WorkerSettings settings) : IStatusItemProcessor<LeaseItem>
{
    public async ValueTask<ItemResult> ProcessAsync(LeaseItem item, StatusItemContext context, CancellationToken cancellationToken)
    {
        var callId = Guid.NewGuid();
        await calls.StartedAsync(callId, ChaosSchema.LeaseMode, item.Id, cancellationToken);
        if (settings.RecordsReturns)
        {
            // The work itself (a network call, say), not a wait for something: it takes longer than the lease.
            await Task.Delay(settings.WorkMin + ((settings.WorkMax - settings.WorkMin) * Random.Shared.NextDouble()), cancellationToken);
        }

        context.DbContext.Add(new LedgerEntry { Mode = ChaosSchema.LeaseMode, ItemId = item.Id, Worker = settings.Name, CallId = callId });
        if (settings.RecordsReturns)
        {
            // The claim and lease this call ran under are those its claim statement returned with the row.
            await calls.ReturnedAsync(callId, item.ClaimedBy, item.LeaseExpiresAt, cancellationToken);
        }

        return ItemResult.Completed;
    }
}

/// <summary>The atomic-batch processor: records the call, then writes the ledger row in the batch's transaction.</summary>
internal sealed class AtomicLedgerProcessor(CallLog calls, WorkerSettings settings) : IStatusItemProcessor<AtomicItem>
{
    public async ValueTask<ItemResult> ProcessAsync(AtomicItem item, StatusItemContext context, CancellationToken cancellationToken)
    {
        var callId = Guid.NewGuid();
        await calls.StartedAsync(callId, ChaosSchema.AtomicMode, item.Id, cancellationToken);
        context.DbContext.Add(new LedgerEntry { Mode = ChaosSchema.AtomicMode, ItemId = item.Id, Worker = settings.Name, CallId = callId });
        return ItemResult.Completed;
    }
}
