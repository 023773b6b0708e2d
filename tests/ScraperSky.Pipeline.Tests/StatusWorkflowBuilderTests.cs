using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests;

/// <summary>Registration-time misuse of <c>AddStatusWorkflow</c> fails at once with a message naming the workflow (issue 2).</summary>
public sealed class StatusWorkflowBuilderTests
{
    [Fact]
    public void Status_TwoValuesEqual_ThrowsNamingWorkflowAndRoles()
    {
        var act = () => new ServiceCollection().AddStatusWorkflow<WorkItem, JobStatus>("domains")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Completed)
            .UseProcessor<ScriptedProcessor>();

        act.Should().Throw<ArgumentException>()
            .WithMessage("Status workflow 'domains' is misconfigured (Status): the completed and error values are both 'Completed'*");
    }

    [Fact]
    public void Status_NotAPropertyAccess_Throws()
    {
        var act = () => new ServiceCollection().AddStatusWorkflow<WorkItem, JobStatus>("domains")
            .Status(x => (JobStatus)(int)x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error);

        act.Should().Throw<ArgumentException>().WithMessage("Status workflow 'domains': * must be a direct property access*");
    }

    [Fact]
    public void AddStatusWorkflow_ProcessorMissing_ThrowsNamingTheCall()
    {
        var act = () => new ServiceCollection().AddStatusWorkflow<WorkItem, JobStatus>("domains")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error);

        act.Should().Throw<InvalidOperationException>().WithMessage("Status workflow 'domains' is misconfigured: call UseProcessor<TProcessor>()*");
    }

    [Fact]
    public void AddStatusWorkflow_SameNameTwice_Throws()
    {
        var services = new ServiceCollection();
        Register(services, "domains");

        var act = () => Register(services, "domains");

        act.Should().Throw<InvalidOperationException>().WithMessage("A status workflow named 'domains' is already registered*");
    }

    [Fact]
    public void AddStatusWorkflow_TwoWorkflowsOnOneContext_AddTheTransactionGuardOnce()
    {
        var services = new ServiceCollection();
        services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, "Host=127.0.0.1;Port=1"));
        Register(services, "first");
        Register(services, "second");
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();

        var options = scope.ServiceProvider.GetRequiredService<Microsoft.EntityFrameworkCore.DbContextOptions<EnumWorkDb>>();
        var interceptors = options.FindExtension<Microsoft.EntityFrameworkCore.Infrastructure.CoreOptionsExtension>()!.Interceptors!;

        interceptors.OfType<Pipeline.Processing.LoopTransactionGuard>().Should().ContainSingle();
    }

    private static void Register(IServiceCollection services, string name)
        => services.AddStatusWorkflow<WorkItem, JobStatus>(name)
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>();
}
