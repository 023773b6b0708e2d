using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Benchmarks.Suite;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Benchmarks.Micro;

/// <summary>
/// The in-process hot path of the atomic-batch loop without the database: what <c>RunJobLoop</c> does around each
/// claimed item and each batch, built from the library's own internal types. The database round trips are measured
/// by the drain; this measures the CPU and allocations the loop adds on top of them.
/// </summary>
/// <remarks>
/// <see cref="ProcessBatch"/> mirrors <c>RunJobLoop.RunAtomicBatchAsync</c>/<c>ProcessItemAsync</c> step by step for
/// an item that does not touch the database (attach, item scope, context, processor, change detection, clear, key,
/// outcome); keep it in step when the loop changes.
/// </remarks>
[MemoryDiagnoser]
public class LoopBenchmarks
{
    private ServiceProvider _services = null!;
    private IServiceScope _scope = null!;
    private BenchDb _db = null!;
    private KeyReader<BenchDomain> _keys = null!;
    private BenchDomain[] _items = [];
    private readonly NoopProcessor _processor = new();

    [Params(10, 100, 1000)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        // Never opened: attaching, change detection and clearing need the model, not a connection.
        services.AddDbContext<BenchDb>(o => BenchDb.Configure(o, "Host=127.0.0.1;Port=1;Username=unused"));
        LibraryWorker.AddWorkflow<NoopProcessor>(services, _ => { });
        _services = services.BuildServiceProvider();
        _scope = _services.CreateScope();
        _db = _scope.ServiceProvider.GetRequiredService<BenchDb>();
        _keys = new KeyReader<BenchDomain>(LibrarySql.Definition);
        _items = [.. Enumerable.Range(1, BatchSize).Select(i => new BenchDomain { Id = i, Domain = $"domain-{i}.example.com", Status = ProcessStatus.Queued })];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        _services.Dispose();
    }

    /// <summary>Per batch: everything the loop does for each item of a batch, then the outcome statement's parameters.</summary>
    [Benchmark]
    public async Task<int> ProcessBatch()
    {
        var outcomes = new OutcomeBatch(_keys.CreateArray(_items.Length));
        foreach (var item in _items)
        {
            _db.Attach(item);
            ItemResult result;
            using (ItemScope.Enter(_db, LibraryWorker.WorkflowName, ItemIsolation.Savepoint))
            {
                var context = new StatusItemContext(LibraryWorker.WorkflowName, LibraryWorker.WorkflowName, _db, attempt: 1);
                result = await _processor.ProcessAsync(item, context, CancellationToken.None);
                if (_db.ChangeTracker.HasChanges())
                {
                    throw new InvalidOperationException("The no-op processor changed nothing.");
                }
            }

            _db.ChangeTracker.Clear();
            outcomes.Add(_keys.Read(item), result.Kind == ItemResultKind.Completed ? Claiming.WorkflowSql.CompletedKind : Claiming.WorkflowSql.ErrorKind, result.Reason);
        }

        return outcomes.ToParameters().Length;
    }

    /// <summary>Per batch: the DI scope, the DbContext and the processor the loop resolves for each batch (no connection).</summary>
    [Benchmark]
    public async Task<int> BatchScope()
    {
        var scope = _services.CreateAsyncScope();
        await using (scope)
        {
            var db = scope.ServiceProvider.GetRequiredService<BenchDb>();
            db.Database.AutoSavepointsEnabled = false;
            var processor = (IStatusItemProcessor<BenchDomain>)scope.ServiceProvider.GetRequiredService(typeof(NoopProcessor));
            return processor is null ? 0 : 1;
        }
    }

    /// <summary>Once per workflow, not per item: generating every SQL statement from the resolved definition.</summary>
    [Benchmark]
    public int GenerateSql() => new WorkflowSql(LibrarySql.Definition).AtomicClaim.Length;
}
