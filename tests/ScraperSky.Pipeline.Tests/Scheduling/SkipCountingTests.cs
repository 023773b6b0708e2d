using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ScraperSky.Pipeline.Scheduling;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Scheduling;

/// <summary>
/// Regression (bad input, item 12): <c>scheduler.skipped</c> used to rise during every normal long drain. A tick that
/// falls inside a coalescing job's own run is now counted apart (<c>scheduler.absorbed</c>) from a skip that loses a run.
/// </summary>
public sealed class SkipCountingTests : IDisposable
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly StallingTimeProvider _time = new();
    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private readonly JobScheduler _scheduler;
    private readonly Signals<JobRunResult> _skipped = new();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, string Job)> _counted = new();

    public SkipCountingTests()
    {
        _scheduler = new JobScheduler(_time, _services.GetRequiredService<IServiceScopeFactory>(), NullLogger<JobScheduler>.Instance);
        _scheduler.JobSkipped += (_, r) => _skipped.Post(r);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PipelineDiagnostics.MeterName && instrument.Name.StartsWith("scrapersky.pipeline.scheduler.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == PipelineDiagnostics.JobIdTag && tag.Value is string job)
                {
                    _counted.Enqueue((instrument.Name, job));
                }
            }
        });
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _scheduler.Dispose();
        _services.Dispose();
    }

    [Theory]
    [InlineData(true, "scrapersky.pipeline.scheduler.absorbed")]
    [InlineData(false, "scrapersky.pipeline.scheduler.skipped")]
    public async Task Tick_InsideTheJobsOwnLongRun_CountedAsAbsorbedOnlyWhenTheJobCoalesces(bool coalesce, string expected)
    {
        var job = "drain-" + Guid.NewGuid().ToString("N")[..8];
        var entered = new Signals<DateTimeOffset>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new ScheduledJobOptions { Interval = Minute, Coalesce = coalesce };
        _scheduler.Add(new JobDefinition(job, JobSchedule.From(options), async c =>
        {
            entered.Post(c.ScheduledTime);
            return await release.Task;
        }, "a long drain"));
        _scheduler.Start();
        await entered.NextAsync();

        for (var k = 0; k < 3; k++)
        {
            _time.Advance(Minute);
            await _skipped.NextAsync();
        }

        release.SetResult(0);
        _counted.Where(c => c.Job == job && c.Instrument != "scrapersky.pipeline.scheduler.runs").Select(c => c.Instrument)
            .Should().Equal(Enumerable.Repeat(expected, 3));
    }

    [Fact]
    public async Task RunNowAsync_WhileTheJobRuns_CountedAsSkipped()
    {
        var job = "manual-" + Guid.NewGuid().ToString("N")[..8];
        var entered = new Signals<DateTimeOffset>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _scheduler.Add(new JobDefinition(job, JobSchedule.From(new ScheduledJobOptions { Interval = Minute }), async c =>
        {
            entered.Post(c.ScheduledTime);
            return await release.Task;
        }, "a long drain"));
        _scheduler.Start();
        await entered.NextAsync();

        (await _scheduler.RunNowAsync(job)).Outcome.Should().Be(JobRunOutcome.Skipped);

        release.SetResult(0);
        _counted.Where(c => c.Job == job).Select(c => c.Instrument).Should().Contain("scrapersky.pipeline.scheduler.skipped").And.NotContain("scrapersky.pipeline.scheduler.absorbed");
    }
}
