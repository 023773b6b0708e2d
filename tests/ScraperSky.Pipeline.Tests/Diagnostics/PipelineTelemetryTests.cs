using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Diagnostics;

/// <summary>Metrics and spans carry the documented names and tags (issue 6). Each test uses a workflow name of its own.</summary>
public sealed class PipelineTelemetryTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAsync_AtomicBatch_RecordsClaimAndOutcomeMetrics()
    {
        var name = Unique();
        using var metrics = new MetricsRecorder(name);
        await db.SeedAsync("enum_items", 3);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, name: name);
        harness.Script.Body = (item, _, _) => ValueTask.FromResult(item.Id == 2 ? ItemResult.Failed("no") : ItemResult.Completed);

        await harness.RunAsync(name);

        metrics.Sum("scrapersky.pipeline.items.claimed").Should().Be(3);
        metrics.Sum("scrapersky.pipeline.items.completed").Should().Be(2);
        metrics.Sum("scrapersky.pipeline.items.failed").Should().Be(1);
        metrics.Count("scrapersky.pipeline.claim.duration").Should().BeGreaterThanOrEqualTo(1);
        metrics.Count("scrapersky.pipeline.item.duration").Should().Be(3);
    }

    [Fact]
    public async Task RunAsync_LeaseMode_RecordsRetriedRescuedAndQueueLag()
    {
        var name = Unique();
        using var metrics = new MetricsRecorder(name);
        var time = new FakeTimeProvider(Start);
        await db.Database.ExecuteAsync($"""
            INSERT INTO lease_items (status, updated_at) VALUES ('Queued', '{Start.AddMinutes(-5):O}'), ('Queued', '{Start.AddMinutes(-5):O}');
            INSERT INTO lease_items (status, attempts, lease_expires_at, claimed_by) VALUES ('Processing', 1, '{Start.AddMinutes(-1):O}', 'gone#1');
            """);
        await using var harness = WorkflowHarness.ForLeaseItems(db.ConnectionString, time: time, name: name);
        harness.LeaseScript.Body = (item, _, _) => item.Id == 1 ? throw new InvalidOperationException("flaky") : ValueTask.FromResult(ItemResult.Completed);

        await harness.Workflow(name).Rescuer!.RescueAsync(harness.Options(name), CancellationToken.None);
        await harness.RunAsync(name);

        metrics.Sum("scrapersky.pipeline.items.rescued").Should().Be(1);
        metrics.Sum("scrapersky.pipeline.items.retried").Should().Be(1);
        metrics.Values("scrapersky.pipeline.queue.lag").Should().Contain(300.0);
    }

    [Fact]
    public async Task RunAsync_Spans_CarryWorkflowJobBatchAndItemTagsAndErrors()
    {
        var name = Unique();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PipelineDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem(PipelineDiagnostics.WorkflowTag) as string == name)
                {
                    spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await db.SeedAsync("enum_items", 2);
        await using var harness = WorkflowHarness.ForWorkItems<EnumWorkDb>(db.ConnectionString, o => o.Batch.Size = 5, name: name);
        harness.Script.Body = (item, _, _) => item.Id == 2 ? throw new InvalidOperationException("kaput") : ValueTask.FromResult(ItemResult.Completed);

        await harness.RunAsync(name);

        var claim = spans.First(s => s.OperationName == "scrapersky.pipeline.claim");
        claim.GetTagItem(PipelineDiagnostics.JobIdTag).Should().Be(name);
        claim.GetTagItem(PipelineDiagnostics.BatchSizeTag).Should().Be(5);
        claim.GetTagItem(PipelineDiagnostics.ItemCountTag).Should().Be(2);
        var items = spans.Where(s => s.OperationName == "scrapersky.pipeline.process").ToList();
        items.Select(s => s.GetTagItem(PipelineDiagnostics.ItemIdTag)).Should().BeEquivalentTo(["1", "2"]);
        var failed = items.Single(s => (string?)s.GetTagItem(PipelineDiagnostics.ItemIdTag) == "2");
        failed.Status.Should().Be(ActivityStatusCode.Error);
        failed.Events.Should().Contain(e => e.Name == "exception");
        spans.Should().Contain(s => s.OperationName == "scrapersky.pipeline.outcomes" && (int?)s.GetTagItem(PipelineDiagnostics.ItemCountTag) == 2);
    }

    [Fact]
    public async Task QueueDepth_Observed_CountsAtMostOncePerInterval()
    {
        var name = Unique();
        await db.SeedAsync("enum_items", 7);
        var time = new FakeTimeProvider(Start);
        await using var harness = WorkflowHarness.Create<EnumWorkDb>(
            db.ConnectionString,
            services => services.AddStatusWorkflow<WorkItem, JobStatus>(name)
                .UseDbContext<EnumWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .UseProcessor<ScriptedProcessor>()
                .Configure(o => o.Schedule.Interval = TimeSpan.FromSeconds(30)),
            time);
        var workflow = (Pipeline.Hosting.StatusWorkflow<WorkItem>)harness.Workflow(name);
        var depth = workflow.QueueDepth!;

        depth.Observe().Should().BeNull("the first observation only starts the count");
        await depth.WhenRefreshedAsync();
        var first = depth.Observe();
        var second = depth.Observe();
        time.Advance(TimeSpan.FromSeconds(31));
        depth.Observe();
        await depth.WhenRefreshedAsync();

        first.Should().Be(7);
        second.Should().Be(7);
        depth.Refreshes.Should().Be(2, "one count per interval however often the gauge is read");
    }

    private static string Unique() => "telemetry-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Records the library's measurements for one workflow.</summary>
    private sealed class MetricsRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value)> _measurements = new();

        public MetricsRecorder(string workflow)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PipelineDiagnostics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags, workflow));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags, workflow));
            _listener.Start();
        }

        public double Sum(string instrument) => _measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);

        public int Count(string instrument) => _measurements.Count(m => m.Instrument == instrument);

        public IEnumerable<double> Values(string instrument) => _measurements.Where(m => m.Instrument == instrument).Select(m => Math.Round(m.Value, 3));

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
