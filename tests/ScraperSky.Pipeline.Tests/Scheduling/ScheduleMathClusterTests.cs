using FluentAssertions;
using ScraperSky.Pipeline.Scheduling;

namespace ScraperSky.Pipeline.Tests.Scheduling;

/// <summary>The epoch-anchored grid of once-per-cluster jobs: every host computes the same run keys.</summary>
public sealed class ScheduleMathClusterTests
{
    private static readonly DateTimeOffset Midnight = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(59_999, 0)]
    [InlineData(60_000, 60_000)]
    [InlineData(125_500, 120_000)]
    public void ClusterFireTime_TimeWithinAnInterval_IsTheGridPointBeforeIt(int millisecondsAfterMidnight, int expectedAfterMidnight)
        => ScheduleMath.ClusterFireTime(Midnight.AddMilliseconds(millisecondsAfterMidnight), TimeSpan.FromMinutes(1))
            .Should().Be(Midnight.AddMilliseconds(expectedAfterMidnight));

    [Fact]
    public void ClusterFireTime_OtherOffset_SameKeyAsUtc()
        => ScheduleMath.ClusterFireTime(new DateTimeOffset(2030, 1, 1, 2, 0, 30, TimeSpan.FromHours(2)), TimeSpan.FromMinutes(1))
            .Should().Be(Midnight).And.Subject!.Value.Offset.Should().Be(TimeSpan.Zero);

    [Fact]
    public void ClusterGridStart_LaterThanTheMisfireGraceTime_WaitsForTheNextPoint()
    {
        var day = TimeSpan.FromDays(1);

        ScheduleMath.ClusterGridStart(Midnight.AddMinutes(10), day, TimeSpan.FromMinutes(30)).Should().Be(Midnight);
        ScheduleMath.ClusterGridStart(Midnight.AddHours(10), day, TimeSpan.FromMinutes(30)).Should().Be(Midnight + day);
    }
}
