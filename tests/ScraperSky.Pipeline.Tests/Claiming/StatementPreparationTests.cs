using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Claiming;

/// <summary>
/// The hot statements are prepared on the pooled connections that run them, and stay prepared when a connection goes
/// back to the pool; behind a transaction-mode pooler nothing is prepared (its sessions change server process between
/// transactions); a column added to the table while statements are prepared costs at most one failed claim.
/// </summary>
public sealed class StatementPreparationTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAsync_AtomicBatches_ClaimAndOutcomeStayPreparedOnThePooledConnection()
    {
        await db.SeedAsync("enum_items", 6);
        // One physical connection: every batch's session gets it back from the pool.
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(Pool(db.ConnectionString, "atomic", 1), o => o.Batch.Size = 2);
        var sql = ((ScraperSky.Pipeline.Hosting.StatusWorkflow<WorkItem>)harness.Workflow()).Loop.Sql;

        var result = await harness.RunAsync();
        var prepared = await PreparedOnPoolAsync<EnumWorkDb>(harness, connections: 1);

        result.Claimed.Should().Be(6);
        prepared.Should().Contain([Positional(sql.AtomicClaimWithTransactionId), Positional(sql.WriteAtomicOutcomes)], "both statements of an atomic batch are prepared once per connection");
        prepared.Should().OnlyHaveUniqueItems("a statement is prepared once per connection, not once per batch");
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed'")).Should().Be(6);
    }

    [Fact]
    public async Task RunAsync_LeaseMode_ClaimAndCompleterOutcomesArePrepared()
    {
        await db.SeedAsync("lease_items", 6);
        await using var harness = WorkflowHarness.ForLeaseItems(Pool(db.ConnectionString, "lease", 4), o => o.Batch.Size = 3);
        var sql = harness.LeaseWorkflow().Loop.Sql;

        var result = await harness.RunAsync();
        var prepared = await PreparedOnPoolAsync<LeaseWorkDb>(harness, connections: 4);

        result.Claimed.Should().Be(6);
        prepared.Should().Contain([Positional(sql.LeaseClaim!), Positional(sql.WriteLeaseOutcomes!)]);
        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM lease_items WHERE status = 'Completed'")).Should().Be(6);
    }

    [Fact]
    public async Task ReachesServerDirectlyAsync_DirectAndBehindTransactionPooler_PreparesOnlyTheDirectConnection()
    {
        await using var bouncer = await PgBouncer.StartAsync(db.ConnectionString, serverConnections: 2);
        var preparation = new StatementPreparation(enabled: true);

        var direct = await PrepareProbeAsync(preparation, db.ConnectionString);
        var pooled = await PrepareProbeAsync(preparation, bouncer.ConnectionString);

        direct.Should().Be((true, true), "a direct connection talks to the server process that greeted it");
        pooled.Should().Be((false, false), "the pooler greets with a process id of its own; prepared statements would land on other clients' server processes");
    }

    [Fact]
    public async Task PrepareAsync_SwitchedOff_PreparesNothing()
    {
        var (_, prepared) = await PrepareProbeAsync(new StatementPreparation(enabled: false), db.ConnectionString);

        prepared.Should().BeFalse();
    }

    [Fact]
    public async Task RunAsync_ColumnAddedWhileClaimIsPrepared_LaterBatchesClaimAgain()
    {
        await db.SeedAsync("enum_items", 2);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(Pool(db.ConnectionString, "altered", 1), o => o.Batch.Size = 10);
        (await harness.RunAsync()).Claimed.Should().Be(2);
        var claim = Positional(((ScraperSky.Pipeline.Hosting.StatusWorkflow<WorkItem>)harness.Workflow()).Loop.Sql.AtomicClaimWithTransactionId);
        (await PreparedOnPoolAsync<EnumWorkDb>(harness, connections: 1)).Should().Contain(claim, "the claim is prepared before the table changes");
        try
        {
            // The prepared claim reads c.*, whose shape just changed: PostgreSQL refuses the cached plan once (0A000),
            // Npgsql then forgets the statement, and the next batch prepares it again.
            await db.Database.ExecuteAsync("ALTER TABLE enum_items ADD COLUMN added_later integer");
            await db.SeedAsync("enum_items", 3);
            var outcomes = new List<string>();
            for (var run = 0; run < 3 && await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed'") < 5; run++)
            {
                try
                {
                    outcomes.Add($"processed {(await harness.RunAsync()).Claimed}");
                }
                catch (PostgresException ex)
                {
                    outcomes.Add(ex.SqlState);
                }
            }

            (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed'")).Should().Be(5, "runs: {0}", string.Join(", ", outcomes));
            outcomes.Count(o => !o.StartsWith("processed", StringComparison.Ordinal)).Should().BeLessThanOrEqualTo(1, "runs: {0}", string.Join(", ", outcomes));
        }
        finally
        {
            await db.Database.ExecuteAsync("ALTER TABLE enum_items DROP COLUMN IF EXISTS added_later");
        }
    }

    [Fact]
    public async Task RunAsync_ProcessorDeallocatesEveryPreparedStatement_AtMostOneLaterBatchFails()
    {
        await db.SeedAsync("enum_items", 3);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(Pool(db.ConnectionString, "deallocated", 1), o => o.Batch.Size = 10);
        var deallocated = 0;
        harness.Script.Body = async (item, context, ct) =>
        {
            // Once: the session's prepared claim is gone, and Npgsql does not know it.
            if (Interlocked.Exchange(ref deallocated, 1) == 0)
            {
                await context.DbContext.Database.ExecuteSqlRawAsync("DEALLOCATE ALL", ct);
            }

            return ItemResult.Completed;
        };
        (await harness.RunAsync()).Claimed.Should().Be(3);
        await db.SeedAsync("enum_items", 2);

        var runs = new List<string>();
        for (var run = 0; run < 3 && await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed'") < 5; run++)
        {
            try
            {
                runs.Add($"claimed {(await harness.RunAsync()).Claimed}");
            }
            catch (PostgresException ex)
            {
                runs.Add(ex.SqlState);
            }
        }

        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed'")).Should().Be(5, "runs: {0}", string.Join(", ", runs));
        runs.Count(r => !r.StartsWith("claimed", StringComparison.Ordinal)).Should().BeLessThanOrEqualTo(1, "runs: {0}", string.Join(", ", runs));
        (await PreparedOnPoolAsync<EnumWorkDb>(harness, connections: 1)).Should().OnlyHaveUniqueItems("the statements were prepared again once, after Npgsql forgot the missing ones");
    }

    /// <summary>A pool of its own per test (pools are keyed by connection string) of at most <paramref name="size"/> connections.</summary>
    private static string Pool(string connectionString, string name, int size)
        => new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "preparation-" + name, MaxPoolSize = size }.ConnectionString;

    /// <summary>A statement as the server records it once prepared: Npgsql numbers named parameters in order of first appearance.</summary>
    private static string Positional(string sql)
    {
        var order = new List<string>();
        return Regex.Replace(sql, "@([a-z_]+)", m =>
        {
            if (!order.Contains(m.Groups[1].Value))
            {
                order.Add(m.Groups[1].Value);
            }

            return "$" + (order.IndexOf(m.Groups[1].Value) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
    }

    /// <summary>Whether the connection string reaches the server directly, and whether a probe statement got prepared.</summary>
    private static async Task<(bool Direct, bool Prepared)> PrepareProbeAsync(StatementPreparation preparation, string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM enum_items WHERE id > @id", connection);
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = 0L });
        await preparation.PrepareAsync(command, CancellationToken.None);
        (await command.ExecuteScalarAsync()).Should().Be(0L);
        return (await preparation.ReachesServerDirectlyAsync(connection, null, CancellationToken.None), command.IsPrepared);
    }

    /// <summary>The statements prepared on the pool's physical connections: opens that many sessions at once and asks each.</summary>
    private static async Task<List<string>> PreparedOnPoolAsync<TContext>(WorkflowHarness harness, int connections)
        where TContext : DbContext
    {
        var scopes = Enumerable.Range(0, connections).Select(_ => harness.Services.CreateAsyncScope()).ToList();
        try
        {
            var statements = new List<string>();
            foreach (var scope in scopes)
            {
                var context = scope.ServiceProvider.GetRequiredService<TContext>();
                await context.Database.OpenConnectionAsync();
                statements.AddRange(await context.Database.SqlQueryRaw<string>("SELECT statement AS \"Value\" FROM pg_prepared_statements").ToListAsync());
            }

            return statements;
        }
        finally
        {
            foreach (var scope in scopes)
            {
                await scope.DisposeAsync();
            }
        }
    }
}
