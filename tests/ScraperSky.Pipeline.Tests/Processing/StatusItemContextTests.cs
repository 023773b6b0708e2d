using Microsoft.EntityFrameworkCore;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Processing;

/// <summary>
/// <see cref="StatusItemContext.ForTest"/>: a processor runs in a plain unit test, without a database, a host or a
/// workflow; the context behaves as the workflow loop's does (attempt, job id, lease heartbeat).
/// </summary>
public sealed class StatusItemContextTests
{
    // The README's "Testing your processor" example, as written there.
    [Fact]
    public async Task ForTest_ProcessorWithoutDatabase_RunsInAUnitTest()
    {
        var page = new Page { Url = new Uri("https://example.com/") };
        var processor = new TitleProcessor(fetchTitle: _ => Task.FromResult<string?>("Example Domain"));

        var result = await processor.ProcessAsync(page, StatusItemContext.ForTest(), CancellationToken.None);

        result.Should().Be(ItemResult.Completed);
        page.Title.Should().Be("Example Domain");
    }

    [Fact]
    public async Task ForTest_Attempt_ReachesTheProcessor()
    {
        var processor = new TitleProcessor(fetchTitle: _ => Task.FromResult<string?>(null));

        var early = await processor.ProcessAsync(new Page(), StatusItemContext.ForTest(attempt: 1), CancellationToken.None);
        var last = await processor.ProcessAsync(new Page(), StatusItemContext.ForTest(attempt: 3), CancellationToken.None);

        early.Should().Be(ItemResult.Retry("no title yet"));
        last.Should().Be(ItemResult.Failed("no title after 3 attempts"));
    }

    [Fact]
    public void ForTest_Defaults_NameATestWorkflowWhoseJobIdIsItsName()
    {
        var context = StatusItemContext.ForTest();

        context.WorkflowName.Should().Be("test");
        context.JobId.Should().Be("test");
        context.Attempt.Should().Be(1);
        StatusItemContext.ForTest(workflowName: "domains").JobId.Should().Be("domains");
        StatusItemContext.ForTest(workflowName: "domains", jobId: "process_pending_domains").JobId.Should().Be("process_pending_domains");
    }

    [Fact]
    public void DbContext_NoneGiven_ThrowsSayingHowToPassOne()
    {
        var context = StatusItemContext.ForTest(workflowName: "domains");

        var read = () => context.DbContext;

        read.Should().Throw<InvalidOperationException>()
            .WithMessage("*workflow 'domains'*StatusItemContext.ForTest without a DbContext*ForTest(dbContext: …)*");
    }

    [Fact]
    public void DbContext_Given_IsTheSameInstance()
    {
        // Never opened: building a DbContext does not connect.
        using var db = new EnumWorkDb(new DbContextOptionsBuilder<EnumWorkDb>().UseNpgsql("Host=127.0.0.1;Database=unused").Options);

        StatusItemContext.ForTest(dbContext: db).DbContext.Should().BeSameAs(db);
    }

    [Fact]
    public async Task ExtendLeaseAsync_NoExtenderGiven_ThrowsAsInAtomicBatchMode()
    {
        var extend = () => StatusItemContext.ForTest(workflowName: "domains").ExtendLeaseAsync();

        await extend.Should().ThrowAsync<InvalidOperationException>().WithMessage("Status workflow 'domains' does not run in lease mode*");
    }

    [Fact]
    public async Task ExtendLeaseAsync_ExtenderGiven_ReceivesTheRequestAndReturnsItsAnswer()
    {
        var requests = new List<TimeSpan?>();
        var context = StatusItemContext.ForTest(extendLease: (duration, _) =>
        {
            requests.Add(duration);
            return Task.FromResult(requests.Count < 2);
        });

        (await context.ExtendLeaseAsync(TimeSpan.FromMinutes(5))).Should().BeTrue();
        (await context.ExtendLeaseAsync()).Should().BeFalse("the test's extender says the lease was lost the second time");
        requests.Should().Equal(TimeSpan.FromMinutes(5), null);
    }

    [Fact]
    public void ForTest_BadArguments_Throw()
    {
        FluentActions.Invoking(() => StatusItemContext.ForTest(attempt: 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => StatusItemContext.ForTest(workflowName: " ")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => StatusItemContext.ForTest(jobId: "")).Should().Throw<ArgumentException>();
    }

    public sealed class Page
    {
        public Uri Url { get; set; } = new("https://example.com/");

        public string? Title { get; set; }
    }

    /// <summary>A processor as an application writes one: its own dependency, no database.</summary>
    private sealed class TitleProcessor(Func<Uri, Task<string?>> fetchTitle) : IStatusItemProcessor<Page>
    {
        public async ValueTask<ItemResult> ProcessAsync(Page item, StatusItemContext context, CancellationToken cancellationToken)
        {
            var title = await fetchTitle(item.Url);
            if (title is null)
            {
                return context.Attempt < 3 ? ItemResult.Retry("no title yet") : ItemResult.Failed("no title after 3 attempts");
            }

            item.Title = title;
            return ItemResult.Completed;
        }
    }
}
