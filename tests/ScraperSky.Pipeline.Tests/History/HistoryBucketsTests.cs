using ScraperSky.Pipeline.History;

namespace ScraperSky.Pipeline.Tests.History;

public sealed class HistoryBucketsTests
{
    [Fact]
    public void IndexOf_BoundsAreUpperInclusive_AndTheLastBucketTakesTheRest()
    {
        HistoryBuckets.Bounds.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        HistoryBuckets.Bounds[0].Should().Be(1);
        HistoryBuckets.Bounds[^1].Should().Be(1e9);
        HistoryBuckets.IndexOf(0).Should().Be(0);
        HistoryBuckets.IndexOf(1).Should().Be(0);
        HistoryBuckets.IndexOf(1.0001).Should().Be(1);
        HistoryBuckets.IndexOf(1.6).Should().Be(1);
        HistoryBuckets.IndexOf(1000).Should().Be(15);
        HistoryBuckets.IndexOf(2e9).Should().Be(HistoryBuckets.Count - 1);
    }

    [Fact]
    public void Percentile_FromBuckets_IsWithinItsBucketAndNeverAboveMax()
    {
        var counts = new long[HistoryBuckets.Count];
        var values = Enumerable.Range(1, 100).Select(i => i * 10.0).ToArray(); // 10 ms … 1,000 ms
        foreach (var value in values)
        {
            counts[HistoryBuckets.IndexOf(value)]++;
        }

        var p50 = HistoryBuckets.Percentile(counts, 0.5, values.Max())!.Value;
        var p95 = HistoryBuckets.Percentile(counts, 0.95, values.Max())!.Value;

        // The exact values are 500 and 950: each estimate lies in the same bucket as the exact value.
        HistoryBuckets.IndexOf(p50).Should().Be(HistoryBuckets.IndexOf(500));
        HistoryBuckets.IndexOf(p95).Should().Be(HistoryBuckets.IndexOf(950));
        HistoryBuckets.Percentile(counts, 1.0, values.Max()).Should().Be(1000);
        HistoryBuckets.Percentile(new long[HistoryBuckets.Count], 0.5, 0).Should().BeNull();
    }

    [Fact]
    public void Merge_AcrossHostsAndMinutes_AddsCountsExactly_SoPercentilesAreOfTheWhole()
    {
        // Host A: one busy minute of fast items; host B: a quiet minute of slow items. The p95 of everything is slow
        // work, while the mean of the two hosts' p95s would be halfway.
        var hostA = Minute(Enumerable.Repeat(5.0, 90));
        var hostB = Minute(Enumerable.Repeat(4000.0, 10));
        var laterMinute = Minute([5.0, 4000.0]);

        var merged = new MinuteCounts();
        merged.Add(hostA);
        merged.Add(hostB);
        merged.Add(laterMinute);

        merged.Completed.Should().Be(90 + 10 + 2);
        merged.Processing.Sum().Should().Be(102);
        merged.Processing[HistoryBuckets.IndexOf(5)].Should().Be(91);
        merged.Processing[HistoryBuckets.IndexOf(4000)].Should().Be(11);
        merged.ProcessingMax.Should().Be(4000);

        var p95 = HistoryBuckets.Percentile(merged.Processing, 0.95, merged.ProcessingMax)!.Value;
        HistoryBuckets.IndexOf(p95).Should().Be(HistoryBuckets.IndexOf(4000));
        var p95OfP95s = (HistoryBuckets.Percentile(hostA.Processing, 0.95, 5)!.Value + HistoryBuckets.Percentile(hostB.Processing, 0.95, 4000)!.Value) / 2;
        p95OfP95s.Should().BeLessThan(2500, "averaging percentiles is wrong, which is why buckets are kept");

        // Merging in another order gives the same counts.
        var reversed = new MinuteCounts();
        reversed.Add(laterMinute);
        reversed.Add(hostB);
        reversed.Add(hostA);
        reversed.Processing.Should().Equal(merged.Processing);
    }

    private static MinuteCounts Minute(IEnumerable<double> processingMs)
    {
        var counts = new MinuteCounts();
        foreach (var ms in processingMs)
        {
            counts.Completed++;
            counts.Processing[HistoryBuckets.IndexOf(ms)]++;
            counts.ProcessingMax = Math.Max(counts.ProcessingMax, ms);
        }

        return counts;
    }
}
