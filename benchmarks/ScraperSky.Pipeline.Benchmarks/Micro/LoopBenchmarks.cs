using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Benchmarks.Suite;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Benchmarks.Micro;

/// <summary>
/// The in-process hot path of the atomic-batch loop without the database: what <c>AtomicBatchRun</c> does around each
/// claimed item and each batch, with the library's own internal types — the claim's snapshot of each row, the
/// <c>ItemInvoker</c> (item scope, deadline, processor, change check), telemetry, the outcome policy and the outcome
/// batch. The database round trips are measured by the drain; this measures the CPU and allocations the loop adds.
/// </summary>
/// <remarks>
/// <see cref="ProcessBatch"/> mirrors <c>AtomicBatch.RunAsync</c> step by step for an item that does not touch the
/// database; keep it in step when the loop changes.
/// </remarks>
[MemoryDiagnoser]
public class LoopBenchmarks
{
    private ServiceProvider _services = null!;
    private IServiceScope _scope = null!;
    private BenchDb _db = null!;
    private KeyReader<BenchDomain> _keys = null!;
    private RowMaterializer<BenchDomain> _rows = null!;
    private ItemInvoker<BenchDomain> _invoker = null!;
    private WorkflowTelemetry _telemetry = null!;
    private BenchDomain[] _items = [];
    private readonly StatusWorkflowOptions _options = new();
    private readonly NoopProcessor _processor = new();

    [Params(10, 100, 1000)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        // Never opened: the item's path without a command needs the model, not a connection.
        services.AddDbContext<BenchDb>(o => BenchDb.Configure(o, "Host=127.0.0.1;Port=1;Username=unused"));
        LibraryWorker.AddWorkflow<NoopProcessor>(services, _ => { });
        _services = services.BuildServiceProvider();
        _scope = _services.CreateScope();
        _db = _scope.ServiceProvider.GetRequiredService<BenchDb>();
        var definition = LibrarySql.Definition;
        _keys = new KeyReader<BenchDomain>(definition);
        _rows = RowMaterializer<BenchDomain>.Create(_db.Model.FindEntityType(typeof(BenchDomain))!, definition.StoreObject);
        if (_rows.Unsupported is { } why)
        {
            throw new InvalidOperationException("The benchmark entity should be read by the library's own reader: " + why);
        }

        _invoker = new ItemInvoker<BenchDomain>(definition, NullLogger.Instance, TimeProvider.System, _rows, _keys);
        _telemetry = new WorkflowTelemetry(PipelineTelemetry.Standalone(), LibraryWorker.WorkflowName);
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
        using var deadline = new ItemDeadline(TimeProvider.System, CancellationToken.None);
        var context = new StatusItemContext(LibraryWorker.WorkflowName, LibraryWorker.WorkflowName, _db, attempt: 1);
        ItemScope.Install(_db, LibraryWorker.WorkflowName, ItemIsolation.Savepoint);
        for (var i = 0; i < _items.Length; i++)
        {
            var item = _items[i];
            // The claim keeps a snapshot of every row it reads (the materialiser's copy, made while reading).
            var original = _rows.Snapshot(item);
            var key = _keys.Read(item);
            var started = Stopwatch.GetTimestamp();
            ItemAttempt attempt;
            using (var activity = _telemetry.StartItem(LibraryWorker.WorkflowName, key))
            {
                attempt = await _invoker.InvokeAsync(_db, _processor, item, original, key, context, deadline, _options.ItemTimeout, ItemIsolation.Savepoint, AbandonPolicy.OnAbort, CancellationToken.None);
                _telemetry.ItemProcessed(activity, attempt, started);
            }

            if (attempt.Touched)
            {
                throw new InvalidOperationException("The no-op processor used the session.");
            }

            var decision = OutcomePolicy.Decide(attempt, attemptNumber: 1, _options, countsAttempts: false, random: 0);
            outcomes.Add(key, decision.Kind, decision.Reason, decision.Delay);
        }

        return outcomes.ToParameters().Length;
    }

    /// <summary>
    /// The DI scope, the DbContext and the processor the loop resolves (no connection). A run now resolves them once for
    /// all its batches; the allocation figure still counts them once per batch, the worst case of a run of one batch.
    /// </summary>
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
