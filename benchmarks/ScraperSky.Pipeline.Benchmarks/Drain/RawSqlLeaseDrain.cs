using Npgsql;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>
/// The lease pattern with no library around it: the library's own generated lease statements (an autocommit claim that
/// sets the lease and returns the rows in claim order, then one autocommit outcome statement fenced by
/// <c>status = processing AND claimed_by = token</c>), prepared, on a connection of its own, read by hand. Two commits,
/// two row versions per item, as <c>a2_lease_2tx.sql</c>.
/// </summary>
internal sealed class RawSqlLeaseDrain : IDrainSystem
{
    public string Name => "raw-sql-lease";

    public DrainPattern Pattern => DrainPattern.Lease;

    public string? Unavailable => null;

    public bool UsesQueueTable => true;

    public async Task<IDrainRun> PrepareAsync(DrainSetup setup, CancellationToken ct)
    {
        var workers = new List<Worker>();
        for (var i = 0; i < setup.Workers; i++)
        {
            var node = $"raw-lease-{i}";
            var dataSource = RawSql.CreateDataSource(setup.ConnectionString, node);
            var connection = await dataSource.OpenConnectionAsync(ct);
            var claim = new NpgsqlCommand(LibrarySql.Sql.LeaseClaim, connection);
            claim.Parameters.Add(new NpgsqlParameter<int>(Claiming.WorkflowSql.BatchSizeParameter, setup.BatchSize));
            claim.Parameters.Add(new NpgsqlParameter<TimeSpan>(Claiming.WorkflowSql.LeaseParameter, TimeSpan.FromMinutes(5)));
            claim.Parameters.Add(new NpgsqlParameter<string>(Claiming.WorkflowSql.TokenParameter, node));
            claim.Parameters.Add(new NpgsqlParameter(Claiming.WorkflowSql.NowParameter, NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
            var outcomes = RawSql.OutcomeCommand(connection, LibrarySql.Sql.WriteLeaseOutcomes!);
            outcomes.Parameters.Add(new NpgsqlParameter<string[]>(Claiming.WorkflowSql.TokensParameter, []));
            await claim.PrepareAsync(ct);
            await outcomes.PrepareAsync(ct);
            workers.Add(new Worker(dataSource, connection, claim, outcomes, setup.BatchSize));
        }

        return new Run(workers, setup);
    }

    private sealed record Worker(NpgsqlDataSource DataSource, NpgsqlConnection Connection, NpgsqlCommand Claim, NpgsqlCommand Outcomes, int BatchSize) : IAsyncDisposable
    {
        public async Task<int> BatchAsync(CancellationToken ct)
        {
            var rows = await RawSql.ReadRowsAsync(Claim, BatchSize, ct);
            if (rows.Count > 0)
            {
                RawSql.BindOutcomes(Outcomes, rows);
                Outcomes.Parameters[Claiming.WorkflowSql.TokensParameter].Value = Enumerable.Repeat((string)Claim.Parameters[Claiming.WorkflowSql.TokenParameter].Value!, rows.Count).ToArray();
                await Outcomes.ExecuteNonQueryAsync(ct);
            }

            return rows.Count;
        }

        public async ValueTask DisposeAsync()
        {
            await Claim.DisposeAsync();
            await Outcomes.DisposeAsync();
            await Connection.DisposeAsync();
            await DataSource.DisposeAsync();
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
