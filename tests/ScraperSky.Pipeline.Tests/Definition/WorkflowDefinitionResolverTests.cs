using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Definition;

/// <summary>Definitions resolved from the EF Core model, and the SQL generated from them (issue 2).</summary>
public sealed class WorkflowDefinitionResolverTests
{
    private const string AnyConnection = "Host=127.0.0.1;Port=1;Database=none;Username=none";

    [Fact]
    public void Resolve_EnumStatus_UsesEnumLiteralsAndQuotedNames()
    {
        var sql = SqlFor<EnumWorkDb>();

        sql.AtomicClaim.Should().Be("SELECT c.* FROM \"enum_items\" AS c WHERE c.\"status\" = 'Queued'::job_status ORDER BY c.\"id\" LIMIT @batch_size FOR UPDATE SKIP LOCKED");
        sql.WriteAtomicOutcomes.Should().Contain("WHEN 0 THEN 'Completed'::job_status WHEN 1 THEN 'Error'::job_status");
    }

    [Fact]
    public void Resolve_TextStatus_UsesTextLiterals()
    {
        var definition = DefinitionFor<TextWorkDb>();

        definition.Literals.Should().Be(new StatusLiterals("'Queued'", "'Processing'", "'Completed'", "'Error'"));
        definition.StatusStorage.Should().StartWith("text");
    }

    [Fact]
    public void Resolve_IntegerStatus_UsesNumberLiterals()
    {
        var definition = DefinitionFor<IntWorkDb>();

        definition.Literals.Should().Be(new StatusLiterals("0", "1", "2", "3"));
    }

    [Fact]
    public void Resolve_SchemaAndNamesWithSpaces_AreQuoted()
    {
        var definition = DefinitionFor<QuirkyWorkDb>();

        definition.Table.Should().Be("\"My Schema\".\"Work Items\"");
        definition.KeyColumn.Should().Be("\"Item ID\"");
        definition.StatusColumn.Should().Be("\"Status Value\"");
        definition.ErrorColumn.Should().Be("\"Error Text\"");
    }

    [Fact]
    public void Quote_IdentifierWithDoubleQuote_IsEscaped()
        => SqlIdentifier.Quote("we\"ird").Should().Be("\"we\"\"ird\"");

    [Fact]
    public void Resolve_EntityNotInModel_FailsNamingWorkflowAndEntity()
    {
        var act = () => DefinitionFor<TextWorkDb, Execution, long>("ledger", x => x.ItemId);

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("Status workflow 'ledger' is misconfigured (entity): entity type 'Execution' is not part of the model of DbContext 'TextWorkDb'*");
    }

    [Fact]
    public void Resolve_StatusPropertyNotMapped_FailsNamingWorkflowAndSetting()
    {
        var act = () => DefinitionFor<IgnoredStatusDb>();

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("Status workflow 'work' is misconfigured (Status): property 'Status' is not mapped on entity 'WorkItem'*");
    }

    [Fact]
    public void Resolve_ErrorTextNotMapped_FailsNamingErrorText()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<IgnoredErrorDb>(o => TestSchema.UseTestDatabase(o, AnyConnection));
        services.AddSingleton<ProcessorScript>();
        services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<IgnoredErrorDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>();
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetServices<Pipeline.Hosting.StatusWorkflow>().Single().Resolve();

        act.Should().Throw<InvalidOperationException>().WithMessage("*'work'*(ErrorText)*'Error' is not mapped*");
    }

    [Fact]
    public void Resolve_ContextNotRegistered_FailsNamingUseDbContext()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<ProcessorScript>();
        services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<TextWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>();
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetServices<Pipeline.Hosting.StatusWorkflow>().Single().Resolve();

        act.Should().Throw<InvalidOperationException>().WithMessage("*'work'*(UseDbContext)*AddDbContext<TextWorkDb>*");
    }

    private static WorkflowSql SqlFor<TContext>()
        where TContext : DbContext
        => new(DefinitionFor<TContext>());

    private static WorkflowDefinition DefinitionFor<TContext>()
        where TContext : DbContext
        => DefinitionFor<TContext, WorkItem, JobStatus>("work", x => x.Status);

    private static WorkflowDefinition DefinitionFor<TContext, TEntity, TStatus>(string name, System.Linq.Expressions.Expression<Func<TEntity, TStatus>> status)
        where TContext : DbContext
        where TEntity : class
    {
        var services = new ServiceCollection();
        services.AddDbContext<TContext>(o => TestSchema.UseTestDatabase(o, AnyConnection));
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        var values = typeof(TStatus) == typeof(JobStatus)
            ? new StatusValues(JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            : new StatusValues(1L, 2L, 3L, 4L);
        var member = ((System.Linq.Expressions.MemberExpression)status.Body).Member.Name;
        var errorText = typeof(TEntity) == typeof(WorkItem) ? nameof(WorkItem.Error) : null;
        var registration = new StatusWorkflowRegistration(name, typeof(TContext), typeof(TEntity), typeof(TStatus), member, values, errorText, typeof(ScriptedProcessor));
        return WorkflowDefinitionResolver.Resolve(registration, context.Model);
    }

    /// <summary>A model where the status property is ignored.</summary>
    public sealed class IgnoredStatusDb(DbContextOptions<IgnoredStatusDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<WorkItem>(e =>
            {
                e.ToTable("enum_items");
                e.Ignore(x => x.Status);
            });
    }

    /// <summary>A model where the error-text property is ignored.</summary>
    public sealed class IgnoredErrorDb(DbContextOptions<IgnoredErrorDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<WorkItem>(e =>
            {
                e.ToTable("enum_items");
                e.Ignore(x => x.Error);
            });
    }
}
