using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Claiming;

/// <summary>
/// The plans PostgreSQL picks for the lease-mode statements that join the table with arrays of keys. The table is
/// analysed while no row is processing (as a real table mostly is), then a host holds many rows: a statement whose fence
/// filters the table alone on "status = processing" was planned as a scan of the processing rows that rescans the whole
/// unnest for each of them, so the cost of writing N outcomes grew with N times the rows processing. The tests read the
/// plan's row counts (EXPLAIN ANALYZE), not its timing.
/// </summary>
public sealed partial class WorkflowSqlPlanTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private const int Held = 1000;

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        await db.Database.ExecuteAsync($"""
            INSERT INTO lease_items (status, attempts) SELECT 'Completed', 1 FROM generate_series(1, 150000);
            INSERT INTO lease_items (status) SELECT 'Queued' FROM generate_series(1, {2 * Held});
            ANALYZE lease_items;
            UPDATE lease_items SET status = 'Processing', attempts = 1, claimed_by = CASE WHEN id % 2 = 0 THEN 'even' ELSE 'odd' END
              WHERE status = 'Queued';
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The completer's statement scans its outcome rows once, whether planned with the values (as sent unprepared) or generically (prepared).</summary>
    [Theory]
    [InlineData("force_custom_plan")]
    [InlineData("force_generic_plan")]
    public async Task WriteLeaseOutcomes_ManyRowsProcessing_ScansTheOutcomesOnce(string planCacheMode)
    {
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        var sql = harness.LeaseWorkflow().Loop.Sql.WriteLeaseOutcomes!;

        var (plan, written) = await ExplainAsync(
            sql,
            planCacheMode,
            "bigint[], smallint[], text[], interval[], text[], timestamptz",
            [WorkflowSql.KeysParameter, WorkflowSql.KindsParameter, WorkflowSql.ReasonsParameter, WorkflowSql.DelaysParameter, WorkflowSql.TokensParameter, WorkflowSql.NowParameter],
            keys => [Literal(keys), Literal(keys.Select(_ => "0")), Literal(keys.Select(_ => "NULL")), Literal(keys.Select(_ => "0")), Literal(keys.Select(_ => "even")), "NULL"]);

        written.Should().Be(Held, "every outcome of the even token's rows is written; plan: {0}", plan);
        RepeatedScans(plan).Should().BeEmpty("only key lookups run once per outcome; nothing is scanned again per processing row; plan: {0}", plan);
    }

    /// <summary>The lease keeper's renewal scans the held rows' keys once, however it is planned.</summary>
    [Theory]
    [InlineData("force_custom_plan")]
    [InlineData("force_generic_plan")]
    public async Task RenewLeases_ManyRowsHeld_ScansTheHeldKeysOnce(string planCacheMode)
    {
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString);
        var sql = harness.LeaseWorkflow().Loop.Sql.RenewLeases!;

        var (plan, renewed) = await ExplainAsync(
            sql,
            planCacheMode,
            "interval, timestamptz, bigint[], text[]",
            [WorkflowSql.LeaseParameter, WorkflowSql.NowParameter, WorkflowSql.KeysParameter, WorkflowSql.TokensParameter],
            keys => ["'5 minutes'", "NULL", Literal(keys), Literal(keys.Select(_ => "even"))]);

        renewed.Should().Be(Held, "every row the even token holds is renewed; plan: {0}", plan);
        RepeatedScans(plan).Should().BeEmpty("only key lookups run once per held row; nothing is scanned again per held row; plan: {0}", plan);
    }

    /// <summary>
    /// Prepares <paramref name="sql"/> under SQL-level names ($1…, in <paramref name="names"/> order), runs it once with
    /// the keys of the even token's rows under EXPLAIN ANALYZE in the given plan-cache mode, rolls back, and returns the
    /// plan and the rows the statement changed.
    /// </summary>
    private async Task<(JsonElement Plan, long Rows)> ExplainAsync(string sql, string planCacheMode, string types, string[] names, Func<long[], string[]> values)
    {
        var numbered = ParameterName().Replace(sql, m => System.Array.IndexOf(names, m.Groups[1].Value) is var i and >= 0
            ? "$" + (i + 1)
            : throw new InvalidOperationException($"The test does not bind parameter @{m.Groups[1].Value}."));
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var keys = new List<long>();
        await using (var read = new NpgsqlCommand("SELECT id FROM lease_items WHERE claimed_by = 'even' ORDER BY id", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetInt64(0));
            }
        }

        await using (var prepare = new NpgsqlCommand($"SET LOCAL plan_cache_mode = {planCacheMode}; PREPARE plan_test({types}) AS {numbered}", connection, transaction))
        {
            await prepare.ExecuteNonQueryAsync();
        }

        // EXECUTE takes no bound parameters: its arguments are literals (typed by the PREPARE).
        await using var explain = new NpgsqlCommand($"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE plan_test({string.Join(", ", values([.. keys]))})", connection, transaction);

        var json = (string)(await explain.ExecuteScalarAsync())!;
        await transaction.RollbackAsync();
        var plan = JsonDocument.Parse(json).RootElement[0].GetProperty("Plan").Clone();
        return (plan, plan.GetProperty("Actual Rows").GetInt64() is var rows and > 0 ? rows : ChildRows(plan));
    }

    /// <summary>An array literal of the given elements.</summary>
    private static string Literal<T>(IEnumerable<T> elements) => "'{" + string.Join(",", elements) + "}'";

    /// <summary>An UPDATE without RETURNING reports 0 rows at its top node: the rows it changed are its child's.</summary>
    private static long ChildRows(JsonElement plan)
        => plan.TryGetProperty("Plans", out var children)
            ? children.EnumerateArray().Where(c => !c.TryGetProperty("Subplan Name", out _)).Select(c => c.GetProperty("Actual Rows").GetInt64()).FirstOrDefault()
            : 0;

    /// <summary>The plan nodes other than index lookups that ran more than once (a rescanned unnest or table), with their loop counts.</summary>
    private static List<string> RepeatedScans(JsonElement node)
    {
        var repeated = new List<string>();
        var type = node.GetProperty("Node Type").GetString();
        var loops = node.GetProperty("Actual Loops").GetInt64();
        if (loops > 1 && type is not ("Index Scan" or "Index Only Scan"))
        {
            repeated.Add($"{type} × {loops}");
        }

        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                repeated.AddRange(RepeatedScans(child));
            }
        }

        return repeated;
    }

    [GeneratedRegex("@([a-z_]+)")]
    private static partial Regex ParameterName();
}
