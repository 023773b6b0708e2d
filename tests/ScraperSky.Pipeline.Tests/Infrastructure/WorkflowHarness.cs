using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>
/// A service provider with one DbContext and status workflows registered the way an application would, so a test
/// can run a workflow's loop directly, without a host or a scheduler.
/// </summary>
internal sealed class WorkflowHarness : IAsyncDisposable
{
    private WorkflowHarness(ServiceProvider services) => Services = services;

    public ServiceProvider Services { get; }

    public ProcessorScript Script => Services.GetRequiredService<ProcessorScript>();

    public static WorkflowHarness Create<TContext>(string connectionString, Action<IServiceCollection> register)
        where TContext : DbContext
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<ProcessorScript>();
        services.AddDbContext<TContext>(o => TestSchema.UseTestDatabase(o, connectionString));
        register(services);
        return new WorkflowHarness(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }));
    }

    /// <summary>Registers the standard test workflow over <typeparamref name="TContext"/>'s work items.</summary>
    public static WorkflowHarness ForWorkItems<TContext>(string connectionString, Action<StatusWorkflowOptions>? configure = null, string name = "work")
        where TContext : DbContext
        => Create<TContext>(connectionString, services => services.AddStatusWorkflow<WorkItem, JobStatus>(name, w => w
            .UseDbContext<TContext>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(configure ?? (_ => { }))));

    public StatusWorkflow Workflow(string name = "work")
    {
        var workflow = Services.GetServices<StatusWorkflow>().Single(w => w.Name == name);
        workflow.Resolve();
        return workflow;
    }

    public StatusWorkflowOptions Options(string name = "work") => Services.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get(name);

    public Task<WorkflowRunResult> RunAsync(string name = "work", CancellationToken stopping = default, CancellationToken abort = default)
        => Workflow(name).RunAsync(Options(name), name, stopping, abort);

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
