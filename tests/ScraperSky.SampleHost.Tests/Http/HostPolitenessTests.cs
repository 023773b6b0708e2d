using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.SampleHost.Http;

namespace ScraperSky.SampleHost.Tests.Http;

public sealed class HostPolitenessTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly HostPoliteness _politeness;

    public HostPolitenessTests()
        => _politeness = new HostPoliteness(Options.Create(new CrawlerOptions { PerHostConcurrency = 1, PerHostDelay = TimeSpan.FromSeconds(2) }), _time);

    [Fact]
    public async Task WaitTurnAsync_SameHost_WaitsForTheTurnAndThenTheDelay()
    {
        var first = await _politeness.WaitTurnAsync("a.test", CancellationToken.None);
        var second = _politeness.WaitTurnAsync("a.test", CancellationToken.None);
        second.IsCompleted.Should().BeFalse("one request per host at a time");

        first.Dispose();
        await Task.Yield();
        second.IsCompleted.Should().BeFalse("the host gets a pause between requests");

        _time.Advance(TimeSpan.FromSeconds(2));
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task WaitTurnAsync_OtherHost_DoesNotWait()
    {
        using var first = await _politeness.WaitTurnAsync("a.test", CancellationToken.None);

        var other = _politeness.WaitTurnAsync("b.test", CancellationToken.None);

        other.IsCompleted.Should().BeTrue();
        (await other).Dispose();
    }

    [Fact]
    public async Task WaitTurnAsync_Cancelled_ReleasesTheTurn()
    {
        var first = await _politeness.WaitTurnAsync("a.test", CancellationToken.None);
        first.Dispose();
        using var cancel = new CancellationTokenSource();
        var waiting = _politeness.WaitTurnAsync("a.test", cancel.Token);

        await cancel.CancelAsync();
        await waiting.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();

        _time.Advance(TimeSpan.FromSeconds(2));
        (await _politeness.WaitTurnAsync("a.test", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }
}
