using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Definition;

/// <summary>
/// Regression (bad input, item 10): on partitioned status tables (hash and list) both modes claim and complete rows,
/// and the doctor's index advice runs — it used to recommend CREATE INDEX CONCURRENTLY on the partitioned parent,
/// which PostgreSQL refuses.
/// </summary>
public sealed class PartitionedTableTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Columns = """
        id bigserial, status job_status NOT NULL DEFAULT 'Queued', error text, payload text NOT NULL DEFAULT '',
        touches int DEFAULT 0, attempts int NOT NULL DEFAULT 0, lease_expires_at timestamptz, claimed_by text,
        next_attempt_at timestamptz, updated_at timestamptz, priority int NOT NULL DEFAULT 0, tenant text NOT NULL DEFAULT 'a'
        """;

    public static TheoryData<string, ClaimMode> KindsAndModes => new()
    {
        { "hash", ClaimMode.AtomicBatch },
        { "hash", ClaimMode.Lease },
        { "list", ClaimMode.AtomicBatch },
        { "list", ClaimMode.Lease },
    };

    [Theory]
    [MemberData(nameof(KindsAndModes))]
    public async Task RunAsync_PartitionedTable_ClaimsAndCompletesEveryRowOnce(string kind, ClaimMode mode)
    {
        await CreateAsync(kind);
        await db.ExecuteAsync("INSERT INTO lease_items (payload, tenant) SELECT 'item ' || g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 10) AS g");
        await using var harness = Harness(mode, StartupCheckMode.Off);

        await harness.Workflow().CheckSchemaAsync(CancellationToken.None);
        await harness.RunAsync();

        (await db.ScalarAsync<long>("SELECT count(*) FROM lease_items WHERE status = 'Completed'")).Should().Be(10);
        harness.LeaseScript.Calls.Should().OnlyHaveUniqueItems().And.HaveCount(10);
    }

    [Theory]
    [InlineData("hash")]
    [InlineData("list")]
    public async Task CheckSchemaAsync_PartitionedTableWithoutIndex_AdviceRunsAndSatisfiesTheDoctor(string kind)
    {
        await CreateAsync(kind);
        var logs = new LogSignal();
        await using (var first = Harness(ClaimMode.Lease, StartupCheckMode.Warn, logs))
        {
            await first.Workflow().CheckSchemaAsync(CancellationToken.None);
        }

        var advice = logs.Messages(4001).Should().ContainSingle(m => m.Contains("no index serves the claim", StringComparison.Ordinal)).Subject;
        var statements = Regex.Matches(advice, "(?:CREATE INDEX|ALTER INDEX)[^;]*;").Select(m => m.Value).ToList();
        statements.Should().NotBeEmpty();
        foreach (var statement in statements)
        {
            await db.ExecuteAsync(statement);
        }

        await using var second = Harness(ClaimMode.Lease, StartupCheckMode.Fail);
        var check = () => second.Workflow().CheckSchemaAsync(CancellationToken.None);
        await check.Should().NotThrowAsync("the advice, once run, leaves nothing to report");
    }

    private async Task CreateAsync(string kind)
    {
        var partitions = kind == "hash"
            ? $"CREATE TABLE lease_items ({Columns}, PRIMARY KEY (id)) PARTITION BY HASH (id); " +
              "CREATE TABLE lease_items_h0 PARTITION OF lease_items FOR VALUES WITH (MODULUS 2, REMAINDER 0); " +
              "CREATE TABLE lease_items_h1 PARTITION OF lease_items FOR VALUES WITH (MODULUS 2, REMAINDER 1);"
            : $"CREATE TABLE lease_items ({Columns}, PRIMARY KEY (id, tenant)) PARTITION BY LIST (tenant); " +
              "CREATE TABLE lease_items_a PARTITION OF lease_items FOR VALUES IN ('a'); " +
              "CREATE TABLE lease_items_b PARTITION OF lease_items FOR VALUES IN ('b');";
        await db.ExecuteAsync(
            "DO $$ BEGIN CREATE TYPE job_status AS ENUM ('Queued', 'Processing', 'Completed', 'Error'); EXCEPTION WHEN duplicate_object THEN NULL; END $$; " +
            "DROP TABLE IF EXISTS lease_items; " + partitions);
    }

    private WorkflowHarness Harness(ClaimMode mode, StartupCheckMode doctor, LogSignal? logs = null)
        => mode == ClaimMode.Lease
            ? WorkflowHarness.ForLeaseItems(db.ConnectionString, o => { o.StartupCheck = doctor; o.WakeUp.Enabled = false; }, logs: logs)
            : WorkflowHarness.Create<LeaseWorkDb>(
                db.ConnectionString,
                services => services.AddStatusWorkflow<LeaseItem, JobStatus>("work")
                    .UseDbContext<LeaseWorkDb>()
                    .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                    .ErrorText(x => x.Error)
                    .UseProcessor<LeaseProcessor>()
                    .Configure(o => { o.StartupCheck = doctor; o.WakeUp.Enabled = false; }),
                logs: logs);
}
