using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Benchmarks.Suite;

/// <summary>
/// One simulated host running the library: a service provider of its own (its own DbContext registration and
/// connection pool, named by <c>Application Name</c>), the workflow registered exactly as an application would, and
/// its loop driven directly, as the test harness does, so the measurement has no scheduler delay in it.
/// </summary>
internal sealed class LibraryWorker : IAsyncDisposable
{
    public const string WorkflowName = "bench";

    private LibraryWorker(ServiceProvider services, StatusWorkflow workflow, StatusWorkflowOptions options)
    {
        Services = services;
        Workflow = workflow;
        Options = options;
    }

    public ServiceProvider Services { get; }

    public StatusWorkflow Workflow { get; }

    public StatusWorkflowOptions Options { get; }

    /// <summary>Builds the host, resolves the workflow and runs its start-up schema check (none of it timed).</summary>
    public static async Task<LibraryWorker> StartAsync<TProcessor>(
        string connectionString,
        string applicationName,
        Action<StatusWorkflowOptions> configure,
        Action<IServiceCollection>? services,
        CancellationToken ct)
        where TProcessor : class, IStatusItemProcessor<BenchDomain>
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        var hostConnection = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = applicationName }.ConnectionString;
        collection.AddDbContext<BenchDb>(o => BenchDb.Configure(o, hostConnection));
        services?.Invoke(collection);
        AddWorkflow<TProcessor>(collection, configure);

        var provider = collection.BuildServiceProvider();
        var workflow = provider.GetServices<StatusWorkflow>().Single();
        var options = provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get(WorkflowName);
        await workflow.CheckSchemaAsync(ct);
        WarmUpServices<TProcessor>(provider);
        return new LibraryWorker(provider, workflow, options);
    }

    /// <summary>
    /// A host's service provider compiles a resolver for a service in the background after its second resolution; a
    /// real host does that once in its life. Resolve what the loop resolves (its scope's DbContext and processor) a
    /// few times now, so that the compilation happens here rather than inside the timed window.
    /// </summary>
    private static void WarmUpServices<TProcessor>(ServiceProvider provider)
    {
        for (var i = 0; i < 3; i++)
        {
            using var scope = provider.CreateScope();
            _ = scope.ServiceProvider.GetRequiredService<BenchDb>().Model;
            _ = scope.ServiceProvider.GetService(typeof(TProcessor));
        }
    }

    /// <summary>The one registration line of the README, with the benchmark's processor and settings.</summary>
    public static void AddWorkflow<TProcessor>(IServiceCollection services, Action<StatusWorkflowOptions> configure)
        where TProcessor : class, IStatusItemProcessor<BenchDomain>
        => services.AddStatusWorkflow<BenchDomain, ProcessStatus>(WorkflowName)
            .UseDbContext<BenchDb>()
            .Status(d => d.Status, ProcessStatus.Queued, ProcessStatus.Processing, ProcessStatus.Completed, ProcessStatus.Error)
            .ErrorText(d => d.Error)
            .Lease(d => d.Attempts, d => d.LeaseExpiresAt, d => d.ClaimedBy)
            .UseProcessor<TProcessor>()
            .Configure(configure);

    /// <summary>One run of the loop: claims until a batch comes back short (or empty).</summary>
    public Task<WorkflowRunResult> RunOnceAsync(CancellationToken ct) => Workflow.RunAsync(Options, WorkflowName, ct, ct);

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}

/// <summary>The no-op processor of the drain: the measurement is the loop, not the work.</summary>
public sealed class NoopProcessor : IStatusItemProcessor<BenchDomain>
{
    public ValueTask<ItemResult> ProcessAsync(BenchDomain item, StatusItemContext context, CancellationToken cancellationToken)
        => ValueTask.FromResult(ItemResult.Completed);
}
