using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql.NameTranslation;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Definition;

/// <summary>
/// Regression (bad input, item 8): a name translator created inside the AddDbContext lambda gives every scope a new EF
/// Core service provider; after 20 scopes every run used to fail with ManyServiceProvidersCreatedWarning and the
/// workflow backed off. Start-up now fails at once with a message that shows the fix.
/// </summary>
public sealed class ServiceProviderCheckTests(SchemaFixture db) : IClassFixture<SchemaFixture>
{
    [Fact]
    public async Task CheckSchemaAsync_TranslatorCreatedPerScope_FailsShowingTheFix()
    {
        await using var harness = WorkflowHarness.Create<EnumWorkDb>(db.ConnectionString, services =>
        {
            services.AddDbContext<LeakyDb>(o => o.UseNpgsql(db.ConnectionString, n => n.MapEnum<JobStatus>("job_status", nameTranslator: new NpgsqlNullNameTranslator())));
            Register(services);
        });

        var check = () => harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        (await check.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("Status workflow 'work' is misconfigured (UseDbContext): every scope's LeakyDb builds a new EF Core internal service provider*ManyServiceProvidersCreatedWarning*static readonly INpgsqlNameTranslator Translator*");
    }

    [Fact]
    public async Task CheckSchemaAsync_TranslatorCreatedOnce_Passes()
    {
        await using var harness = WorkflowHarness.Create<EnumWorkDb>(db.ConnectionString, services =>
        {
            services.AddDbContext<LeakyDb>(o => o.UseNpgsql(db.ConnectionString, n => n.MapEnum<JobStatus>("job_status", nameTranslator: TestSchema.NameTranslator)));
            Register(services);
        });

        var check = () => harness.Workflow().CheckSchemaAsync(CancellationToken.None);

        await check.Should().NotThrowAsync();
    }

    private static void Register(IServiceCollection services)
        => services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<LeakyDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o => o.StartupCheck = StartupCheckMode.Off);

    public sealed class LeakyDb(DbContextOptions<LeakyDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<WorkItem>(e =>
            {
                e.ToTable("enum_items");
                TestSchema.MapColumns(e);
            });
    }
}
