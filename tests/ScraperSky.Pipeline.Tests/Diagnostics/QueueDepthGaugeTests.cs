using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Diagnostics;

/// <summary>
/// Bad input, item 12: the queue-depth gauge reports only what it knows. Before its first count completes the depth is
/// "not yet known", which is no measurement at all — never a 0 while thousands of rows are queued.
/// </summary>
public sealed class QueueDepthGaugeTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task QueueDepth_FirstReadingBeforeTheCount_IsNoMeasurementThenTheTrueCount()
    {
        var name = "depth-" + Guid.NewGuid().ToString("N")[..8];
        await db.SeedAsync("enum_items", 3000);
        await using var harness = WorkflowHarness.Create<EnumWorkDb>(db.ConnectionString, services => services.AddStatusWorkflow<WorkItem, JobStatus>(name)
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>());
        var workflow = (Pipeline.Hosting.StatusWorkflow<WorkItem>)harness.Workflow(name);
        var readings = new ConcurrentQueue<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PipelineDiagnostics.MeterName && instrument.Name == "scrapersky.pipeline.queue.depth")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == PipelineDiagnostics.WorkflowTag && (string?)tag.Value == name)
                {
                    readings.Enqueue(value);
                }
            }
        });
        listener.Start();

        listener.RecordObservableInstruments();
        var beforeCount = readings.ToList();
        await workflow.QueueDepth!.WhenRefreshedAsync();
        listener.RecordObservableInstruments();

        beforeCount.Should().BeEmpty("a depth not yet counted is no observation");
        readings.Should().Equal(3000);
    }
}
