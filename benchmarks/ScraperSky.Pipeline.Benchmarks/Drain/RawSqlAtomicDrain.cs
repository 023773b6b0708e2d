using Npgsql;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>How close to the library a raw-SQL atomic loop is built: the ablation that shows where the library's time goes.</summary>
internal enum RawVariant
{
    /// <summary>The physical limit: one connection per worker held for the run, both statements prepared.</summary>
    Prepared,

    /// <summary>As <see cref="Prepared"/>, but the statements are parsed and planned every time, as the library sends them.</summary>
    Unprepared,

    /// <summary>As <see cref="Unprepared"/>, and a connection taken from the pool per batch and returned after, as the library's scope does.</summary>
    UnpreparedConnectionPerBatch,
}

/// <summary>
/// Atomic batch by hand: BEGIN; the library's own claim statement (<c>SELECT t.* … FOR UPDATE SKIP LOCKED</c>); the
/// library's own outcome statement (<c>UPDATE … FROM unnest(…)</c>); COMMIT. The same SQL, no library around it.
/// </summary>
internal sealed class RawSqlAtomicDrain(RawVariant variant) : IDrainSystem
{
    public string Name => variant switch
    {
        RawVariant.Prepared => "raw-sql-atomic",
        RawVariant.Unprepared => "raw-sql-atomic unprepared",
        _ => "raw-sql-atomic unprepared+conn/batch",
    };

    public DrainPattern Pattern => DrainPattern.Atomic;

    public string? Unavailable => null;

    public bool UsesQueueTable => true;

    public async Task<IDrainRun> PrepareAsync(DrainSetup setup, CancellationToken ct)
    {
        var workers = new List<Worker>();
        for (var i = 0; i < setup.Workers; i++)
        {
            var worker = new Worker(RawSql.CreateDataSource(setup.ConnectionString, $"raw-atomic-{i}"), variant, setup.BatchSize);
            await worker.OpenAsync(ct);
            workers.Add(worker);
        }

        return new Run(workers, setup);
    }

    private sealed class Worker(NpgsqlDataSource dataSource, RawVariant variant, int batchSize) : IAsyncDisposable
    {
        private NpgsqlConnection? _held;
        private NpgsqlCommand? _claim;
        private NpgsqlCommand? _outcomes;

        public async Task OpenAsync(CancellationToken ct)
        {
            if (variant == RawVariant.UnpreparedConnectionPerBatch)
            {
                // Warm the pool so the first batch does not pay the physical connect, as a host's pool would be warm.
                await using var warm = await dataSource.OpenConnectionAsync(ct);
                return;
            }

            _held = await dataSource.OpenConnectionAsync(ct);
            (_claim, _outcomes) = CreateCommands(_held);
            if (variant == RawVariant.Prepared)
            {
                await _claim.PrepareAsync(ct);
                await _outcomes.PrepareAsync(ct);
            }
        }

        public async Task<int> BatchAsync(CancellationToken ct)
        {
            if (_held is not null)
            {
                return await BatchOnAsync(_held, _claim!, _outcomes!, ct);
            }

            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var (claim, outcomes) = CreateCommands(connection);
            await using (claim)
            await using (outcomes)
            {
                return await BatchOnAsync(connection, claim, outcomes, ct);
            }
        }

        private (NpgsqlCommand Claim, NpgsqlCommand Outcomes) CreateCommands(NpgsqlConnection connection)
        {
            var claim = new NpgsqlCommand(LibrarySql.Sql.AtomicClaim, connection);
            claim.Parameters.Add(new NpgsqlParameter<int>(Claiming.WorkflowSql.BatchSizeParameter, batchSize));
            // The library's statement without its transaction fence (the library reads the claiming transaction's id to
            // refuse outcomes after a COMMIT sent around its session); hand-written SQL trusts its own transaction.
            var unfenced = LibrarySql.Sql.WriteAtomicOutcomes.Replace(" AND txid_current_if_assigned() = @" + Claiming.WorkflowSql.XidParameter, string.Empty, StringComparison.Ordinal);
            return (claim, RawSql.OutcomeCommand(connection, unfenced));
        }

        private async Task<int> BatchOnAsync(NpgsqlConnection connection, NpgsqlCommand claim, NpgsqlCommand outcomes, CancellationToken ct)
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var rows = await RawSql.ReadRowsAsync(claim, batchSize, ct);
            if (rows.Count > 0)
            {
                RawSql.BindOutcomes(outcomes, rows);
                await outcomes.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return rows.Count;
        }

        public async ValueTask DisposeAsync()
        {
            if (_claim is not null)
            {
                await _claim.DisposeAsync();
            }

            if (_outcomes is not null)
            {
                await _outcomes.DisposeAsync();
            }

            if (_held is not null)
            {
                await _held.DisposeAsync();
            }

            await dataSource.DisposeAsync();
        }
    }

    private sealed class Run(List<Worker> workers, DrainSetup setup) : IDrainRun
    {
        public Task WarmUpAsync(CancellationToken ct) => RawSql.WarmUpWorkersAsync(workers.Count, (i, token) => workers[i].BatchAsync(token), ct);

        public Task RunAsync(CancellationToken ct) => RawSql.RunWorkersAsync(workers.Count, (i, token) => workers[i].BatchAsync(token), ct);

        public async Task<long> CountFinishedAsync(CancellationToken ct)
        {
            var counts = await QueueTable.CountByStatusAsync(setup.ConnectionString, ct);
            return counts.GetValueOrDefault("Completed") + counts.GetValueOrDefault("Error") - setup.History;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }
}
