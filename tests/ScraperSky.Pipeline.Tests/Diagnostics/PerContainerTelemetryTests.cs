using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Diagnostics;

/// <summary>
/// Telemetry belongs to the container: each service provider's meter comes from its own <see cref="IMeterFactory"/>
/// and its queue-depth gauge reads only its own workflows, so two hosts in one process — even with a workflow of the
/// same name — each report their own numbers, and disposing one leaves the other's instruments working.
/// </summary>
public sealed class PerContainerTelemetryTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TwoHostsOneWorkflowName_EachReportsItsOwnQueueDepthAndCounters_AndOutlivesTheOther()
    {
        var name = "per-host-" + Guid.NewGuid().ToString("N")[..8];
        await db.SeedAsync("enum_items", 3);
        await db.SeedAsync("lease_items", 5);
        // The first host's clock is fake, so its cached depth refreshes only when the test moves it.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var first = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, name: name, time: time);
        var second = WorkflowHarness.ForLeaseItems(db.ConnectionString, name: name);
        try
        {
            var firstWorkflow = (Pipeline.Hosting.StatusWorkflow<WorkItem>)first.Workflow(name);
            var secondWorkflow = second.LeaseWorkflow(name);
            using var firstMetrics = new HostMetrics(first.Services.GetRequiredService<IMeterFactory>(), name);
            using var secondMetrics = new HostMetrics(second.Services.GetRequiredService<IMeterFactory>(), name);

            first.Services.GetRequiredService<PipelineTelemetry>().Meter.Should().NotBeSameAs(
                second.Services.GetRequiredService<PipelineTelemetry>().Meter, "each container owns its meter");

            // The first reading starts each host's count; the second reports it.
            firstMetrics.Observe();
            secondMetrics.Observe();
            await firstWorkflow.QueueDepth!.WhenRefreshedAsync();
            await secondWorkflow.QueueDepth!.WhenRefreshedAsync();
            firstMetrics.Observe();
            secondMetrics.Observe();

            firstMetrics.Values("scrapersky.pipeline.queue.depth").Should().Equal(3);
            secondMetrics.Values("scrapersky.pipeline.queue.depth").Should().Equal(5);

            await first.RunAsync(name);
            await second.RunAsync(name);

            firstMetrics.Sum("scrapersky.pipeline.items.claimed").Should().Be(3);
            firstMetrics.Sum("scrapersky.pipeline.items.completed").Should().Be(3);
            secondMetrics.Sum("scrapersky.pipeline.items.claimed").Should().Be(5);
            secondMetrics.Sum("scrapersky.pipeline.items.completed").Should().Be(5);

            await second.DisposeAsync();
            time.Advance(first.Options(name).Schedule.Interval + TimeSpan.FromSeconds(1));
            firstMetrics.Observe();
            await firstWorkflow.QueueDepth.WhenRefreshedAsync();
            firstMetrics.Observe();

            firstMetrics.Values("scrapersky.pipeline.queue.depth").Should().Equal(
                [3, 3, 0],
                "the first host's gauge keeps counting its own, now drained, workflow after the other host of the same workflow name is gone");
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    /// <summary>Records the measurements of one host's meter (found through its meter factory) for one workflow.</summary>
    private sealed class HostMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value)> _measurements = new();

        public HostMetrics(IMeterFactory factory, string workflow)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PipelineDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags, workflow));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags, workflow));
            _listener.Start();
        }

        public void Observe() => _listener.RecordObservableInstruments();

        public double Sum(string instrument) => _measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);

        public IEnumerable<double> Values(string instrument) => _measurements.Where(m => m.Instrument == instrument).Select(m => m.Value);

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, string workflow)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == PipelineDiagnostics.WorkflowTag && (string?)tag.Value == workflow)
                {
                    _measurements.Enqueue((instrument.Name, value));
                    return;
                }
            }
        }
    }
}
