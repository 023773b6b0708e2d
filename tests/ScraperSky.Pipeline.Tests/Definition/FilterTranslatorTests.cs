using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Definition;

/// <summary>Claim filters translated to SQL, or rejected at start-up naming the setting (issue 4).</summary>
public sealed class FilterTranslatorTests
{
    [Fact]
    public void Translate_ComparisonsAndLogic_BecomeParameterisedSql()
    {
        var tenant = "acme";
        var filter = Translate(x => x.Tenant == tenant && (x.Priority > 2 || !(x.Attempts <= 1)));

        filter.Sql.Should().Be("(c.\"tenant\" = @filter_0 AND (c.\"priority\" > @filter_1 OR NOT (c.\"attempts\" <= @filter_2)))");
        filter.Parameters.Select(p => p.Value).Should().Equal("acme", 2, 1);
    }

    [Fact]
    public void Translate_ValueOnTheLeft_FlipsTheOperator()
        => Translate(x => 5 < x.Priority).Sql.Should().Be("c.\"priority\" > @filter_0");

    [Fact]
    public void Translate_NullChecksAndNullableNotEqual_KeepCSharpMeaning()
    {
        Translate(x => x.ClaimedBy == null).Sql.Should().Be("c.\"claimed_by\" IS NULL");
        Translate(x => x.ClaimedBy != "me").Sql.Should().Be("(c.\"claimed_by\" <> @filter_0 OR c.\"claimed_by\" IS NULL)");
    }

    [Fact]
    public void Translate_NativeEnumValue_BecomesTheProviderLiteral()
        => Translate(x => x.Status != JobStatus.Error).Sql.Should().Be("c.\"status\" <> 'Error'::job_status");

    [Fact]
    public void Translate_ArrayContains_BecomesAnyOverAnArrayParameter()
    {
        var tenants = new[] { "a", "b" };

        var filter = Translate(x => tenants.Contains(x.Tenant));

        filter.Sql.Should().Be("c.\"tenant\" = ANY(@filter_0)");
        filter.Parameters.Single().Value.Should().BeEquivalentTo(new[] { "a", "b" });
    }

    [Fact]
    public void Resolve_FilterOnUnmappedProperty_FailsNamingWhere()
    {
        var act = () => Translate(x => x.Payload.Length > 3);

        act.Should().Throw<InvalidOperationException>().WithMessage("Status workflow 'work' is misconfigured (Where): '*Length*' cannot be translated to SQL*");
    }

    [Fact]
    public void Resolve_FilterCallingAMethod_FailsNamingWhere()
    {
        var act = () => Translate(x => x.Tenant.StartsWith("a", StringComparison.Ordinal));

        act.Should().Throw<InvalidOperationException>().WithMessage("*(Where): *StartsWith* cannot be translated*");
    }

    [Fact]
    public void Resolve_OrderByUnmappedProperty_FailsNamingOrderBy()
    {
        var act = () => Resolve(build: w => w.OrderBy(x => x.Unmapped));

        act.Should().Throw<InvalidOperationException>().WithMessage("Status workflow 'work' is misconfigured (OrderBy): property 'Unmapped' is not mapped*");
    }

    private static ClaimFilter Translate(Expression<Func<UnmappedLeaseItem, bool>> filter)
        => Resolve(build: w => w.Where(filter)).Filter!;

    private static WorkflowDefinition Resolve(Action<StatusWorkflowBuilder<UnmappedLeaseItem, JobStatus>> build)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<UnmappedLeaseDb>(o => TestSchema.UseTestDatabase(o, "Host=127.0.0.1;Port=1"));
        var w = services.AddStatusWorkflow<UnmappedLeaseItem, JobStatus>("work");
        w.UseDbContext<UnmappedLeaseDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<NoOp>();
        build(w);

        using var provider = services.BuildServiceProvider();
        var workflow = provider.GetServices<Pipeline.Hosting.StatusWorkflow>().Single();
        workflow.Resolve();
        return workflow.Definition;
    }

    /// <summary>A lease item with one property the model ignores.</summary>
    public sealed class UnmappedLeaseItem
    {
        public long Id { get; set; }

        public JobStatus Status { get; set; }

        public string Payload { get; set; } = string.Empty;

        public int Attempts { get; set; }

        public string? ClaimedBy { get; set; }

        public int Priority { get; set; }

        public string Tenant { get; set; } = string.Empty;

        public int Unmapped { get; set; }
    }

    public sealed class UnmappedLeaseDb(Microsoft.EntityFrameworkCore.DbContextOptions<UnmappedLeaseDb> options) : Microsoft.EntityFrameworkCore.DbContext(options)
    {
        protected override void OnModelCreating(Microsoft.EntityFrameworkCore.ModelBuilder modelBuilder)
            => modelBuilder.Entity<UnmappedLeaseItem>(e =>
            {
                e.ToTable("lease_items");
                e.Property(x => x.Id).HasColumnName("id");
                e.Property(x => x.Status).HasColumnName("status");
                e.Property(x => x.Payload).HasColumnName("payload");
                e.Property(x => x.Attempts).HasColumnName("attempts");
                e.Property(x => x.ClaimedBy).HasColumnName("claimed_by");
                e.Property(x => x.Priority).HasColumnName("priority");
                e.Property(x => x.Tenant).HasColumnName("tenant");
                e.Ignore(x => x.Unmapped);
            });
    }

    public sealed class NoOp : IStatusItemProcessor<UnmappedLeaseItem>
    {
        public ValueTask<ItemResult> ProcessAsync(UnmappedLeaseItem item, StatusItemContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(ItemResult.Completed);
    }
}
