using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.History;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.History;

/// <summary>AddPipelineHistory with real workflows: the engine's telemetry feeds the rollup, the service flushes on its minute timer and at stop.</summary>
public sealed class PipelineHistoryServiceTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Drain_OfALeaseWorkflow_RecordsItsOutcomesWaitsAndFailureGroups()
    {
        await db.Database.ExecuteAsync("""
            INSERT INTO lease_items (status, payload, updated_at)
            SELECT 'Queued', 'item ' || g, now() - interval '5 seconds' FROM generate_series(1, 10) AS g
            """);
        await using var harness = LeaseHarness("history_drain");
        harness.LeaseScript.Body = (item, _, _) => item.Id switch
        {
            <= 6 => ValueTask.FromResult(ItemResult.Completed),
            7 or 8 => ValueTask.FromResult(ItemResult.Failed($"timeout after {item.Id * 10} s fetching 'https://site{item.Id}.test/'")),
            _ => throw new InvalidOperationException($"parser broke at byte {item.Id * 1000}"),
        };

        var run = await harness.RunAsync();
        var flush = await harness.Services.GetRequiredService<HistoryRecorder>().FlushAsync();

        run.Completed.Should().Be(6);
        run.Failed.Should().Be(4);
        flush.Minutes.Should().Be(1);
        var history = harness.Services.GetRequiredService<IPipelineHistory>();
        var from = HistoryRecorder.MinuteOf(DateTimeOffset.UtcNow).AddMinutes(-30);
        var point = (await history.GetSeriesAsync("work", from, from.AddHours(1), TimeSpan.FromHours(1))).Single();
        point.Should().BeEquivalentTo(new { Completed = 6L, Failed = 4L, Retried = 0L });
        point.Processing!.Count.Should().Be(10);
        point.Wait!.Count.Should().Be(10);
        point.Wait.Max.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(4)).And.BeLessThan(TimeSpan.FromHours(1));

        var groups = await history.GetErrorGroupsAsync("work", from);
        groups.Select(g => (g.Message, g.Count)).Should().BeEquivalentTo(new[]
        {
            ("timeout after # s fetching '…'", 2L),
            (groups.Single(g => g.Message.Contains("parser broke", StringComparison.Ordinal)).Message, 2L),
        });
        groups.Single(g => g.Message.Contains("parser broke", StringComparison.Ordinal)).Message.Should().EndWith("parser broke at byte #");
        groups.Single(g => g.Message.StartsWith("timeout", StringComparison.Ordinal)).SampleKeys.Should().BeEquivalentTo("7", "8");
    }

    [Fact]
    public async Task Service_FlushesTheEndedMinuteOnItsTimer_AndThePartialMinuteAfterTheHostStopped()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 10, 0, 20, TimeSpan.Zero));
        await using var harness = LeaseHarness("history_service", time);
        var recorder = harness.Services.GetRequiredService<HistoryRecorder>();
        var service = harness.Services.GetServices<IHostedService>().OfType<PipelineHistoryService>().Single();
        var flushed = new TaskCompletionSource<HistoryFlushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        recorder.Flushed += r => flushed.TrySetResult(r);
        var sink = recorder.Observe("work");

        await service.StartAsync(CancellationToken.None);
        sink.Outcomes(completed: 3, failed: 0, retried: 0);
        time.Advance(TimeSpan.FromSeconds(40)); // 10:01:00: the minute 10:00 ended
        (await flushed.Task.WaitAsync(TimeSpan.FromSeconds(30))).Minutes.Should().Be(1);

        sink.Outcomes(completed: 2, failed: 0, retried: 0);
        time.Advance(TimeSpan.FromSeconds(15));
        await service.StoppedAsync(CancellationToken.None);

        (await db.Database.ScalarAsync<string>("SELECT string_agg(to_char(minute AT TIME ZONE 'UTC', 'HH24:MI') || '=' || completed, ',' ORDER BY minute) FROM history_service.history_minutes"))
            .Should().Be("10:00=3,10:01=2");
    }

    [Fact]
    public void AddPipelineHistory_BadSettings_FailWithTheSettingNamed()
    {
        var services = new ServiceCollection();
        services.AddPipelineHistory(o =>
        {
            o.Retention = TimeSpan.FromMinutes(5);
            o.Schema = " ";
        });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PipelineHistoryOptions>>().Value;

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>()
            .WithMessage("*ScraperSky:History:Schema*")
            .And.Message.Should().Contain("ScraperSky:History:Retention must be from 01:00:00");
    }

    private WorkflowHarness LeaseHarness(string schema, TimeProvider? time = null)
        => WorkflowHarness.ForLeaseItems(
            db.ConnectionString,
            o => o.Retry.MaxAttempts = 1,
            build: w => w.Services.AddPipelineHistory(o => o.Schema = schema),
            time: time);
}
