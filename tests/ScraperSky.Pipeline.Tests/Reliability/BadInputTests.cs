using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Reliability;

/// <summary>
/// Bad rows among good ones, processed by a running host (issue 8): a status label the library does not know is reported
/// and never claimed; a NULL in a required column ends that row as error with a reason; the host never stops, and every
/// other row completes.
/// </summary>
public sealed class BadInputTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        // A label added to the enum after the application was built; ADD VALUE must commit before the label is used.
        await db.Database.ExecuteAsync("ALTER TYPE job_status ADD VALUE IF NOT EXISTS 'Archived'");
        await db.Database.ExecuteAsync("ALTER TABLE enum_items ALTER COLUMN touches DROP NOT NULL");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StartAsync_UnknownLabelsAndNullsAmongGoodRows_BadRowsReportedOrFailedWithReasonAndTheRestComplete()
    {
        foreach (var table in new[] { "lease_items", "enum_items" })
        {
            await db.SeedAsync(table, 12);
            await db.Database.ExecuteAsync($"UPDATE {table} SET status = 'Archived' WHERE id IN (2, 9)");
            await db.Database.ExecuteAsync($"UPDATE {table} SET touches = NULL WHERE id IN (5, 11)");
        }

        var logs = new LogSignal();
        using var host = BuildHost(logs);
        await host.StartAsync();
        var drained = await db.Database.WaitForScalarAsync("SELECT count(*) FROM (SELECT status FROM lease_items UNION ALL SELECT status FROM enum_items) AS s WHERE status IN ('Queued', 'Processing')", 0);
        await host.StopAsync().WaitAsync(Ceiling);

        drained.Should().BeTrue();
        foreach (var table in new[] { "lease_items", "enum_items" })
        {
            (await db.Database.ScalarAsync<string>($"SELECT string_agg(id || ':' || status::text, ',' ORDER BY id) FROM {table} WHERE status <> 'Completed'"))
                .Should().Be("2:Archived,5:Error,9:Archived,11:Error", $"only the bad rows of {table} are not completed");
            (await db.Database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE status = 'Error' AND error LIKE 'the row could not be read: %'")).Should().Be(2);
        }

        (await db.Database.ScalarAsync<long>("SELECT count(*) FROM lease_items WHERE status = 'Archived' AND attempts = 0 AND claimed_by IS NULL")).Should().Be(2, "unknown labels are never claimed");
        logs.Events.Where(e => e.EventId == 4002).Select(e => e.Message).Should().HaveCount(2).And.OnlyContain(m => m.Contains("2 rows have status 'Archived'", StringComparison.Ordinal));
        logs.Events.Should().NotContain(e => e.EventId == 2002, "bad rows never fail a run");
    }

    private IHost BuildHost(LogSignal logs)
    {
        var builder = BothModesHost.Create(
            logs,
            o => TestSchema.UseTestDatabase(o, db.ConnectionString),
            lease: o => { o.Batch.Size = 4; o.Parallelism = 2; },
            atomic: o => o.Batch.Size = 4);
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddSingleton<LeaseScript>();
        return builder.Build();
    }

}
