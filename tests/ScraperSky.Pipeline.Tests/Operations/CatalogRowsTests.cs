using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Operations;

/// <summary>The catalog's row pages against a real table: keyset paging over several pages, each filter, bad input.</summary>
public sealed class CatalogRowsTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-05-01T00:00:00Z", CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        await db.ResetAsync();

        // 30 rows: ids 1..30; every third row an error with a reason, rows 1..5 processing; updated one minute apart.
        await db.Database.ExecuteAsync("""
            INSERT INTO lease_items (status, error, attempts, updated_at, next_attempt_at, lease_expires_at)
            SELECT CASE WHEN g <= 5 THEN 'Processing'::job_status WHEN g % 3 = 0 THEN 'Error' WHEN g % 2 = 0 THEN 'Completed' ELSE 'Queued' END,
                   CASE WHEN g % 3 = 0 THEN CASE WHEN g % 2 = 0 THEN '50% OFF_sale ' || g ELSE 'timeout ' || g END END,
                   g % 4,
                   timestamptz '2026-05-01T00:00:00Z' + g * interval '1 minute',
                   CASE WHEN g = 7 THEN timestamptz '2026-06-01T00:00:00Z' END,
                   CASE WHEN g <= 5 THEN timestamptz '2026-05-02T00:00:00Z' END
            FROM generate_series(1, 30) AS g;
            INSERT INTO lease_items (status, error) VALUES ('Error', '50X OFFxsale');
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task GetRowsAsync_EmptyFilter_PagesThroughEveryRowInKeyOrder()
    {
        await using var harness = LeaseHarness();
        var catalog = harness.Services.GetRequiredService<IPipelineCatalog>();

        var pages = await AllPagesAsync(catalog, new StatusRowFilter(), 7);

        pages.Select(p => p.Rows.Count).Should().Equal(7, 7, 7, 7, 3);
        pages.SkipLast(1).Should().AllSatisfy(p => p.Next.Should().Be(p.Rows[^1].Key));
        pages[^1].Next.Should().BeNull("the last page points at no further page");
        pages.SelectMany(p => p.Rows).Select(r => long.Parse(r.Key, CultureInfo.InvariantCulture)).Should().Equal(Enumerable.Range(1, 31).Select(i => (long)i));
        var seven = pages.SelectMany(p => p.Rows).Single(r => r.Key == "7");
        seven.Should().BeEquivalentTo(new StatusRow
        {
            Key = "7",
            Status = StatusRole.Queued,
            StatusValue = "Queued",
            Error = null,
            Attempts = 3,
            UpdatedAt = Start.AddMinutes(7),
            NextAttemptAt = DateTimeOffset.Parse("2026-06-01T00:00:00Z", CultureInfo.InvariantCulture),
            LeaseExpiresAt = null,
        });
        pages[0].Rows[0].Should().BeEquivalentTo(new { Status = StatusRole.Processing, LeaseExpiresAt = DateTimeOffset.Parse("2026-05-02T00:00:00Z", CultureInfo.InvariantCulture) });
    }

    [Fact]
    public async Task GetRowsAsync_EachFilter_OnlyMatchingRowsOverSeveralPages()
    {
        await using var harness = LeaseHarness();
        var catalog = harness.Services.GetRequiredService<IPipelineCatalog>();

        async Task<List<long>> Keys(StatusRowFilter filter)
            => (await AllPagesAsync(catalog, filter, 2)).SelectMany(p => p.Rows).Select(r => long.Parse(r.Key, CultureInfo.InvariantCulture)).ToList();

        (await Keys(StatusRowFilter.InStatus(StatusRole.Error))).Should().Equal(6, 9, 12, 15, 18, 21, 24, 27, 30, 31);
        (await Keys(StatusRowFilter.InStatus(StatusRole.Processing, StatusRole.Completed))).Should().Equal(1, 2, 3, 4, 5, 8, 10, 14, 16, 20, 22, 26, 28);
        (await Keys(new StatusRowFilter { Key = "12" })).Should().Equal(12);
        (await Keys(new StatusRowFilter { Key = "not a number" })).Should().BeEmpty("a key that does not convert matches nothing");
        (await Keys(new StatusRowFilter { ErrorContains = "50% off_" })).Should().Equal(6, 12, 18, 24, 30);
        (await Keys(new StatusRowFilter { ErrorContains = "%" })).Should().Equal(6, 12, 18, 24, 30);
        (await Keys(new StatusRowFilter { ErrorContains = "_" })).Should().Equal(6, 12, 18, 24, 30);
        (await Keys(new StatusRowFilter { UpdatedFrom = Start.AddMinutes(10), UpdatedBefore = Start.AddMinutes(14) })).Should().Equal(10, 11, 12, 13);
        (await Keys(new StatusRowFilter { Statuses = [StatusRole.Error], ErrorContains = "TIMEOUT", UpdatedFrom = Start.AddMinutes(10) })).Should().Equal(15, 21, 27);
    }

    [Fact]
    public async Task GetRowsAsync_ValueNoneOfTheFour_ListedWithoutARoleAndItsText()
    {
        await db.Database.ExecuteAsync("INSERT INTO text_items (status) VALUES ('Queued'), ('Paused'), ('Error')");
        await using var harness = WorkflowHarness.ForWorkItems<TextWorkDb>(db.ConnectionString);
        var catalog = harness.Services.GetRequiredService<IPipelineCatalog>();

        var all = await catalog.GetRowsAsync("work", new StatusRowFilter());
        var queued = await catalog.GetRowsAsync("work", StatusRowFilter.InStatus(StatusRole.Queued, StatusRole.Error));

        all.Rows.Select(r => (r.Status, r.StatusValue)).Should().Equal((StatusRole.Queued, "Queued"), (null, "Paused"), (StatusRole.Error, "Error"));
        all.Rows.Should().AllSatisfy(r => r.Attempts.Should().BeNull());
        queued.Rows.Select(r => r.Key).Should().Equal("1", "3");
    }

    [Fact]
    public async Task GetRowsAsync_BadInput_ClearErrors()
    {
        await using var harness = LeaseHarness();
        await using var plain = WorkflowHarness.ForWorkItems<TextWorkDb>(db.ConnectionString, name: "plain");
        var catalog = harness.Services.GetRequiredService<IPipelineCatalog>();
        var noColumns = plain.Services.GetRequiredService<IPipelineCatalog>();

        await catalog.Invoking(c => c.GetRowsAsync("work", new StatusRowFilter(), limit: 0)).Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("limit");
        await catalog.Invoking(c => c.GetRowsAsync("work", new StatusRowFilter(), limit: 1001)).Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("limit");
        (await catalog.Invoking(c => c.GetRowsAsync("work", new StatusRowFilter(), after: "seven")).Should().ThrowAsync<ArgumentException>().WithParameterName("after"))
            .Which.Message.Should().Contain("'work'").And.Contain("'seven'");
        await catalog.Invoking(c => c.GetRowsAsync("work", null!)).Should().ThrowAsync<ArgumentNullException>();
        (await catalog.Invoking(c => c.GetRowsAsync("work", new StatusRowFilter(), limit: 1000)).Should().NotThrowAsync()).Which.Rows.Should().HaveCount(31);
        await noColumns.Invoking(c => c.GetRowsAsync("plain", new StatusRowFilter { UpdatedFrom = Start })).Should().ThrowAsync<ArgumentException>().WithMessage("*UpdatedAt*");
    }

    private static async Task<List<StatusRowPage>> AllPagesAsync(IPipelineCatalog catalog, StatusRowFilter filter, int limit)
    {
        var pages = new List<StatusRowPage>();
        string? after = null;
        do
        {
            var page = await catalog.GetRowsAsync("work", filter, after, limit);
            pages.Add(page);
            after = page.Next;
            pages.Count.Should().BeLessThan(100, "paging ends");
        }
        while (after is not null);

        return pages;
    }

    private WorkflowHarness LeaseHarness() => WorkflowHarness.ForLeaseItems(db.ConnectionString);
}
