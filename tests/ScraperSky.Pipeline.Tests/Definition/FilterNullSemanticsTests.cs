using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Definition;

/// <summary>
/// Regression (bad input, item 11): a <c>Where</c> filter over nullable columns claims a row with NULLs exactly when the
/// C# predicate is true for it. <c>!(e.X == v)</c> used to leave out rows where X is NULL, which C# includes.
/// </summary>
public sealed class FilterNullSemanticsTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly int?[] Scores = [null, 1, 2, 3];
    private static readonly string?[] Labels = [null, "a", "b"];

    /// <summary>Every operator, negated and not, against a nullable number and a nullable text column.</summary>
    private static readonly Expression<Func<NullableItem, bool>>[] Cases =
    [
        x => x.Score == 2,
        x => x.Score != 2,
        x => x.Score < 2,
        x => x.Score <= 2,
        x => x.Score > 2,
        x => x.Score >= 2,
        x => !(x.Score == 2),
        x => !(x.Score != 2),
        x => !(x.Score < 2),
        x => !(x.Score <= 2),
        x => !(x.Score > 2),
        x => !(x.Score >= 2),
        x => 2 > x.Score,
        x => !(2 <= x.Score),
        x => x.Score == null,
        x => x.Score != null,
        x => !(x.Score == null),
        x => x.Label == "a",
        x => x.Label != "a",
        x => !(x.Label == "a"),
        x => !(x.Label != "a"),
        x => new int?[] { 1, 2 }.Contains(x.Score),
        x => !new int?[] { 1, 2 }.Contains(x.Score),
        x => new int?[] { 1, null }.Contains(x.Score),
        x => !new int?[] { 1, null }.Contains(x.Score),
        x => new string?[] { null }.Contains(x.Label),
        x => !new string?[] { "b" }.Contains(x.Label),
        x => !(x.Score > 1 && x.Label == "a"),
        x => !(x.Score > 1 || x.Label == "a"),
        x => !!(x.Score == 2),
        x => !(!(x.Score < 3) && x.Label != "b"),
    ];

    public static TheoryData<int> CaseNumbers => new(Enumerable.Range(0, Cases.Length));

    public async Task InitializeAsync()
    {
        await db.Database.ExecuteAsync("CREATE TABLE IF NOT EXISTS nullable_items (id bigint PRIMARY KEY, status job_status NOT NULL, score int, label text)");
        await db.Database.ExecuteAsync("TRUNCATE nullable_items");
        var rows = Rows().Select(r => $"({r.Id}, 'Queued', {(r.Score is { } s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "NULL")}, {(r.Label is { } l ? $"'{l}'" : "NULL")})");
        await db.Database.ExecuteAsync("INSERT INTO nullable_items (id, status, score, label) VALUES " + string.Join(", ", rows));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(CaseNumbers))]
    public async Task RunAsync_FilterOverNullableColumns_ClaimsExactlyTheRowsThePredicateAccepts(int number)
    {
        var filter = Cases[number];
        await using var harness = WorkflowHarness.Create<NullableDb>(db.ConnectionString, services =>
        {
            services.AddSingleton<NullableProcessor>();
            services.AddStatusWorkflow<NullableItem, JobStatus>("work")
                .UseDbContext<NullableDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .Where(filter)
                .UseProcessor<NullableProcessor>();
        });

        await harness.RunAsync();

        var expected = Rows().Where(filter.Compile()).Select(r => r.Id);
        var claimed = await db.Database.ScalarAsync<string>("SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM nullable_items WHERE status = 'Completed'");
        claimed.Should().Be(string.Join(",", expected), $"the rows of {filter} are the rows C# accepts");
    }

    private static IEnumerable<NullableItem> Rows()
    {
        var id = 0L;
        foreach (var score in Scores)
        {
            foreach (var label in Labels)
            {
                yield return new NullableItem { Id = ++id, Score = score, Label = label };
            }
        }
    }

    public sealed class NullableItem
    {
        public long Id { get; set; }

        public JobStatus Status { get; set; }

        public int? Score { get; set; }

        public string? Label { get; set; }
    }

    public sealed class NullableDb(DbContextOptions<NullableDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<NullableItem>(e =>
            {
                e.ToTable("nullable_items");
                e.Property(x => x.Id).HasColumnName("id").ValueGeneratedNever();
                e.Property(x => x.Status).HasColumnName("status");
                e.Property(x => x.Score).HasColumnName("score");
                e.Property(x => x.Label).HasColumnName("label");
            });
    }

    public sealed class NullableProcessor : IStatusItemProcessor<NullableItem>
    {
        public ValueTask<ItemResult> ProcessAsync(NullableItem item, StatusItemContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(ItemResult.Completed);
    }
}
