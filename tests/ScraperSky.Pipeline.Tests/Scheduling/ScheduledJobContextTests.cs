using Microsoft.Extensions.DependencyInjection;

namespace ScraperSky.Pipeline.Tests.Scheduling;

/// <summary><see cref="ScheduledJobContext.ForTest"/>: a scheduled job runs in a plain unit test, without a host or scheduler.</summary>
public sealed class ScheduledJobContextTests
{
    [Fact]
    public async Task ForTest_JobWithServices_RunsInAUnitTest()
    {
        await using var services = new ServiceCollection().AddSingleton(new Inbox(["a", "b", "c"])).BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();

        var processed = await new DrainInboxJob().ExecuteAsync(ScheduledJobContext.ForTest(scope.ServiceProvider));

        processed.Should().Be(3);
        services.GetRequiredService<Inbox>().Items.Should().BeEmpty();
    }

    [Fact]
    public async Task ForTest_StoppingTokenSignalled_ReachesTheJob()
    {
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();
        await using var services = new ServiceCollection().AddSingleton(new Inbox(["a", "b"])).BuildServiceProvider();

        var processed = await new DrainInboxJob().ExecuteAsync(ScheduledJobContext.ForTest(services, stoppingToken: stopping.Token));

        processed.Should().Be(0, "a job starts no new work once the host is stopping");
    }

    [Fact]
    public void ForTest_Values_AreThoseGiven()
    {
        using var abort = new CancellationTokenSource();
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var context = ScheduledJobContext.ForTest(jobId: "process_pending_domains", scheduledTime: at, cancellationToken: abort.Token);

        context.JobId.Should().Be("process_pending_domains");
        context.ScheduledTime.Should().Be(at);
        context.CancellationToken.Should().Be(abort.Token);
        context.StoppingToken.CanBeCanceled.Should().BeFalse();
    }

    [Fact]
    public void ForTest_NoServices_ResolvesNothing()
    {
        var context = ScheduledJobContext.ForTest();

        context.JobId.Should().Be("test");
        context.Services.GetService(typeof(Inbox)).Should().BeNull();
        FluentActions.Invoking(() => context.Services.GetRequiredService<Inbox>()).Should().Throw<InvalidOperationException>();
        FluentActions.Invoking(() => ScheduledJobContext.ForTest(jobId: " ")).Should().Throw<ArgumentException>();
    }

    private sealed class Inbox(IEnumerable<string> items)
    {
        public Queue<string> Items { get; } = new(items);
    }

    private sealed class DrainInboxJob : IScheduledJob
    {
        public Task<int> ExecuteAsync(ScheduledJobContext context)
        {
            var inbox = context.Services.GetRequiredService<Inbox>();
            var processed = 0;
            while (!context.StoppingToken.IsCancellationRequested && inbox.Items.TryDequeue(out _))
            {
                processed++;
            }

            return Task.FromResult(processed);
        }
    }
}
