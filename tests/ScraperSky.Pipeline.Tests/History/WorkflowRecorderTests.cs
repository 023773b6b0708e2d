using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.History;

namespace ScraperSky.Pipeline.Tests.History;

public sealed class WorkflowRecorderTests
{
    [Fact]
    public void TakeDelta_ReturnsWhatWasCountedSinceThePreviousFlush()
    {
        var recorder = new WorkflowRecorder("w", new FakeTimeProvider());
        recorder.Outcomes(completed: 3, failed: 1, retried: 2);
        recorder.Waited(TimeSpan.FromSeconds(2));
        recorder.Processed(TimeSpan.FromMilliseconds(40), "completed", null, 1L);
        recorder.Processed(TimeSpan.FromMilliseconds(7), "snoozed", null, 2L);
        recorder.Processed(TimeSpan.FromMilliseconds(9), "stopped", null, 3L);
        recorder.Rescued(4);

        var (first, _) = recorder.TakeDelta();
        recorder.Outcomes(completed: 5, failed: 0, retried: 0);
        var (second, _) = recorder.TakeDelta();
        var (third, _) = recorder.TakeDelta();

        first.Should().BeEquivalentTo(new { Completed = 3L, Failed = 1L, Retried = 2L, Snoozed = 1L, Rescued = 4L, WaitMax = 2000.0, ProcessingMax = 40.0 });
        first.Wait[HistoryBuckets.IndexOf(2000)].Should().Be(1);
        first.Processing.Sum().Should().Be(2, "a stopped attempt is neither a duration nor a failure");
        second.Completed.Should().Be(5);
        second.Processing.Sum().Should().Be(0);
        second.ProcessingMax.Should().Be(0);
        third.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task Processed_FromManyThreads_LosesNothingAcrossFlushes()
    {
        var recorder = new WorkflowRecorder("w", new FakeTimeProvider());
        long flushed = 0;
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                recorder.Processed(TimeSpan.FromMilliseconds(i % 300), "completed", null, null);
            }
        })).ToArray();
        while (!writers.All(w => w.IsCompleted))
        {
            flushed += recorder.TakeDelta().Counts.Processing.Sum();
        }

        await Task.WhenAll(writers);
        flushed += recorder.TakeDelta().Counts.Processing.Sum();

        flushed.Should().Be(40_000);
    }

    [Fact]
    public void Failures_AreGroupedByNormalisedMessage_WithFirstLastSeenAndDistinctSampleKeys()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var recorder = new WorkflowRecorder("w", time);
        for (var i = 1; i <= 8; i++)
        {
            recorder.Processed(TimeSpan.FromMilliseconds(5), i % 2 == 0 ? "threw" : "timed_out", $"timeout after {i} s fetching 'https://a.test/{i}'", (long)(i % 6));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        recorder.Processed(TimeSpan.FromMilliseconds(5), "failed", "bad row 17", 99L);

        var failures = recorder.TakeDelta().Failures.OrderByDescending(f => f.Count).ToList();

        failures.Select(f => (f.Message, f.Count)).Should().Equal(("timeout after # s fetching '…'", 8L), ("bad row #", 1L));
        failures[0].FirstSeen.Should().Be(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        failures[0].LastSeen.Should().Be(new DateTimeOffset(2026, 1, 2, 3, 4, 12, TimeSpan.Zero));
        failures[0].SampleKeys.Should().Equal("1", "2", "3", "4", "5");
        recorder.TakeDelta().Failures.Should().BeEmpty();
    }

    [Fact]
    public void Failures_BeyondTheGroupCap_CountUnderOtherMessages()
    {
        var recorder = new WorkflowRecorder("w", new FakeTimeProvider());
        for (var i = 0; i < WorkflowRecorder.MaxGroupsPerFlush + 10; i++)
        {
            recorder.Processed(TimeSpan.Zero, "threw", "failure kind " + new string((char)('a' + (i % 26)), 1 + (i / 26)), null);
        }

        var failures = recorder.TakeDelta().Failures;

        failures.Should().HaveCount(WorkflowRecorder.MaxGroupsPerFlush + 1);
        failures.Single(f => f.Message == WorkflowRecorder.OtherMessages).Count.Should().Be(10);
        failures.Sum(f => f.Count).Should().Be(WorkflowRecorder.MaxGroupsPerFlush + 10);
    }

    [Fact]
    public void HotPath_CompletedItems_AllocateNothing()
    {
        var recorder = new WorkflowRecorder("w", new FakeTimeProvider());
        object key = 1L;
        recorder.Processed(TimeSpan.FromMilliseconds(1), "completed", null, key);
        recorder.Waited(TimeSpan.FromMilliseconds(1));
        recorder.Outcomes(completed: 1, failed: 0, retried: 0);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            recorder.Waited(TimeSpan.FromMilliseconds(i));
            recorder.Processed(TimeSpan.FromMilliseconds(i), "completed", null, key);
            recorder.Outcomes(completed: 1, failed: 0, retried: 0);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }
}
