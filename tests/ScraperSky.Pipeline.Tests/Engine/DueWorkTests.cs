using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Engine;

/// <summary>
/// Issue 11 (finished work is never thrown away): work the engine itself knows to be due does not wait for the next
/// poll — a retry or snooze due at a time wakes the workflow then, and a run that stopped at MaxBatchesPerRun with a
/// backlog runs again at once. Every workflow here polls only hourly (its first run starts with the host).
/// </summary>
public sealed class DueWorkTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Issue 11: a retry or snooze of one second is run when it is due, not at the hourly poll.</summary>
    [Theory]
    [InlineData(ItemResultKind.Retry)]
    [InlineData(ItemResultKind.Snooze)]
    public async Task ItemPutOffForASecond_RunsAgainWhenDue(ItemResultKind first)
    {
        await LeaseItems.InsertAsync(db, "put off");
        var script = new LeaseScript();
        var calls = 0;
        script.Body = (_, _, _) => ValueTask.FromResult(Interlocked.Increment(ref calls) > 1
            ? ItemResult.Completed
            : first == ItemResultKind.Retry ? ItemResult.Retry("x") : ItemResult.Snooze(TimeSpan.FromSeconds(1)));
        await using var host = await LeaseHost.StartAsync(db.ConnectionString, script, o => o.Retry.Delay = TimeSpan.FromSeconds(1));

        (await Polling.UntilAsync(async () => await LeaseItems.StatusAsync(db, 1) is "Completed" or "Error", Ceiling))
            .Should().BeTrue("the second attempt runs when it is due; rows: {0}", await LeaseItems.DescribeAsync(db));

        (await LeaseItems.StatusAsync(db, 1)).Should().Be("Completed");
        script.Calls.Should().HaveCount(2);
    }

    /// <summary>Issue 11: in lease mode, a run that stops at MaxBatchesPerRun with rows still queued is followed by another at once.</summary>
    [Fact]
    public async Task LeaseMode_RunStoppedAtMaxBatchesPerRunWithABacklog_RunsAgainAtOnce()
    {
        await db.SeedAsync("lease_items", 6);
        var script = new LeaseScript();
        await using var host = await LeaseHost.StartAsync(db.ConnectionString, script, o =>
        {
            o.Batch.Size = 2;
            o.Batch.MaxPerRun = 1;
        });

        (await Polling.UntilAsync(async () => await LeaseItems.CountAsync(db, "Completed") == 6, Ceiling))
            .Should().BeTrue("the backlog drains in runs that follow each other; rows: {0}", await LeaseItems.DescribeAsync(db));
        script.Calls.Should().HaveCount(6);
    }

    /// <summary>Issue 11: in atomic-batch mode, a run that stops at MaxBatchesPerRun with rows still queued is followed by another at once.</summary>
    [Fact]
    public async Task AtomicMode_RunStoppedAtMaxBatchesPerRunWithABacklog_RunsAgainAtOnce()
    {
        await db.SeedAsync("enum_items", 6);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("atomic_backlog")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o =>
            {
                o.Schedule.Interval = TimeSpan.FromHours(1);
                o.Batch.Size = 2;
                o.Batch.MaxPerRun = 1;
                o.StartupCheck = StartupCheckMode.Off;
            });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            (await Polling.UntilAsync(async () => await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed'") == 6, Ceiling))
                .Should().BeTrue("the backlog drains in runs that follow each other; completed: {0}", await db.Database.ScalarAsync<long>("SELECT count(*) FROM enum_items WHERE status = 'Completed'"));
            host.Services.GetRequiredService<ProcessorScript>().Calls.Should().HaveCount(6);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
