using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Claiming;
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

    public LeaseScript LeaseScript => Services.GetRequiredService<LeaseScript>();

    public static WorkflowHarness Create<TContext>(string connectionString, Action<IServiceCollection> register, TimeProvider? time = null, ILoggerProvider? logs = null)
        where TContext : DbContext
    {
        var services = new ServiceCollection();
        services.AddLogging(l =>
        {
            if (logs is not null)
            {
                l.AddProvider(logs);
            }
        });
        if (time is not null)
        {
            // The fake clock also drives the SQL's now(): leases and retry times move when the test advances it.
            services.AddSingleton(time);
            services.AddSingleton(new SqlClock(time));
        }

        services.AddSingleton<ProcessorScript>();
        services.AddSingleton<LeaseScript>();
        services.AddDbContext<TContext>(o => TestSchema.UseTestDatabase(o, connectionString));
        register(services);
        return new WorkflowHarness(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }));
    }

    /// <summary>Registers the standard test workflow over <typeparamref name="TContext"/>'s work items.</summary>
    public static WorkflowHarness ForWorkItems<TContext>(string connectionString, Action<StatusWorkflowOptions>? configure = null, string name = "work", TimeProvider? time = null)
        where TContext : DbContext
        => Create<TContext>(connectionString, services => services.AddStatusWorkflow<WorkItem, JobStatus>(name)
            .UseDbContext<TContext>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(configure ?? (_ => { })), time);

    /// <summary>Registers a lease-mode workflow over <c>lease_items</c> with every optional column.</summary>
    public static WorkflowHarness ForLeaseItems(
        string connectionString,
        Action<StatusWorkflowOptions>? configure = null,
        Action<StatusWorkflowBuilder<LeaseItem, JobStatus>>? build = null,
        TimeProvider? time = null,
        ILoggerProvider? logs = null,
        string name = "work")
        => Create<LeaseWorkDb>(
            connectionString,
            services =>
            {
                var w = services.AddStatusWorkflow<LeaseItem, JobStatus>(name);
                w.UseDbContext<LeaseWorkDb>()
                    .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                    .ErrorText(x => x.Error)
                    .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
                    .NextAttemptAt(x => x.NextAttemptAt)
                    .UpdatedAt(x => x.UpdatedAt)
                    .UseProcessor<LeaseProcessor>()
                    .Configure(o =>
                    {
                        o.Mode = ClaimMode.Lease;
                        o.ItemTimeout = TimeSpan.FromSeconds(30);
                        o.Lease.Duration = TimeSpan.FromMinutes(5);
                        configure?.Invoke(o);
                    });
                build?.Invoke(w);
            },
            time,
            logs);

    public StatusWorkflow<LeaseItem> LeaseWorkflow(string name = "work") => (StatusWorkflow<LeaseItem>)Workflow(name);

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
