using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Hosting;

namespace ScraperSky.Pipeline.Benchmarks.Suite;

/// <summary>
/// The library's own resolved definition and generated SQL for the benchmark table, obtained the way the library
/// obtains them (from the EF Core model, no database needed), so the raw-SQL baseline and the claim-cost probe send
/// exactly the statements the library sends, even after the library changes them.
/// </summary>
internal static class LibrarySql
{
    private static readonly Lazy<WorkflowDefinition> LazyDefinition = new(Resolve);

    public static WorkflowDefinition Definition => LazyDefinition.Value;

    public static WorkflowSql Sql { get; } = new(Definition);

    private static WorkflowDefinition Resolve()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        // Resolving reads only the model: the connection string is never opened.
        services.AddDbContext<BenchDb>(o => BenchDb.Configure(o, "Host=127.0.0.1;Port=1;Username=unused"));
        LibraryWorker.AddWorkflow<NoopProcessor>(services, _ => { });
        using var provider = services.BuildServiceProvider();
        var workflow = provider.GetServices<StatusWorkflow>().Single();
        workflow.Resolve();
        return workflow.Definition;
    }
}
