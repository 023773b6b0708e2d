using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Tests.Processing;

/// <summary>The item timeout of a lane or batch: one timer for many items, each item cancelled at its own due time.</summary>
public sealed class ItemDeadlineTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Start_TimeoutPasses_TokenCancelledAtItsDueTimeAndNotBefore()
    {
        var time = new FakeTimeProvider(Start);
        using var deadline = new ItemDeadline(time, CancellationToken.None);

        var token = deadline.Start(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(9.9));
        var before = token.IsCancellationRequested;
        time.Advance(TimeSpan.FromSeconds(0.2));

        before.Should().BeFalse();
        token.IsCancellationRequested.Should().BeTrue();
        deadline.TimedOut.Should().BeTrue();
    }

    [Fact]
    public void Start_NextItemStartsBeforeTheFirstWasDue_TheTimerFiresForTheFirstButCancelsTheSecondOnlyAtItsOwnDueTime()
    {
        var time = new FakeTimeProvider(Start);
        using var deadline = new ItemDeadline(time, CancellationToken.None);

        deadline.Start(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(5));
        deadline.Finish();
        var second = deadline.Start(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(6));
        var atFirstDue = second.IsCancellationRequested;
        time.Advance(TimeSpan.FromSeconds(3.9));
        var justBefore = second.IsCancellationRequested;
        time.Advance(TimeSpan.FromSeconds(0.2));

        atFirstDue.Should().BeFalse("the first item ended before its due time");
        justBefore.Should().BeFalse();
        second.IsCancellationRequested.Should().BeTrue("the second item is due ten seconds after it started");
    }

    [Fact]
    public void Start_ManyItemsEndInTime_NoneIsCancelled()
    {
        var time = new FakeTimeProvider(Start);
        using var deadline = new ItemDeadline(time, CancellationToken.None);
        var cancelled = 0;

        for (var i = 0; i < 50; i++)
        {
            var token = deadline.Start(TimeSpan.FromSeconds(1));
            time.Advance(TimeSpan.FromMilliseconds(900));
            cancelled += token.IsCancellationRequested ? 1 : 0;
            deadline.Finish();
        }

        cancelled.Should().Be(0);
    }

    [Fact]
    public void Finish_AfterATimeout_NextItemGetsAFreshToken()
    {
        var time = new FakeTimeProvider(Start);
        using var deadline = new ItemDeadline(time, CancellationToken.None);
        var first = deadline.Start(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(2));
        deadline.Finish();

        var second = deadline.Start(TimeSpan.FromSeconds(1));

        first.IsCancellationRequested.Should().BeTrue();
        second.IsCancellationRequested.Should().BeFalse();
        deadline.TimedOut.Should().BeFalse();
    }

    [Fact]
    public void Start_HostAborts_TokenCancelledWithoutATimeout()
    {
        var time = new FakeTimeProvider(Start);
        using var abort = new CancellationTokenSource();
        using var deadline = new ItemDeadline(time, abort.Token);
        var token = deadline.Start(TimeSpan.FromMinutes(5));

        abort.Cancel();

        token.IsCancellationRequested.Should().BeTrue();
        deadline.TimedOut.Should().BeFalse();
    }
}
