using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Benchmarks.Suite;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Processing;

namespace ScraperSky.Pipeline.Benchmarks.Micro;

/// <summary>
/// The per-item steps of <see cref="LoopBenchmarks.ProcessBatch"/> one at a time, each over 100 items and reported
/// per item, so that the loop's per-item allocations can be attributed to the step that makes them.
/// </summary>
[MemoryDiagnoser]
public class ItemStepBenchmarks
{
    private const int Items = 100;
    private ServiceProvider _services = null!;
    private IServiceScope _scope = null!;
    private BenchDb _db = null!;
    private KeyReader<BenchDomain> _keys = null!;
    private BenchDomain[] _items = [];
    private readonly NoopProcessor _processor = new();

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<BenchDb>(o => BenchDb.Configure(o, "Host=127.0.0.1;Port=1;Username=unused"));
        LibraryWorker.AddWorkflow<NoopProcessor>(services, _ => { });
        _services = services.BuildServiceProvider();
        _scope = _services.CreateScope();
        _db = _scope.ServiceProvider.GetRequiredService<BenchDb>();
        _keys = new KeyReader<BenchDomain>(LibrarySql.Definition);
        _items = [.. Enumerable.Range(1, Items).Select(i => new BenchDomain { Id = i, Domain = $"domain-{i}.example.com" })];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        _services.Dispose();
    }

    /// <summary>Tracking the claimed entity and forgetting it again: <c>db.Attach(item)</c> then <c>ChangeTracker.Clear()</c>.</summary>
    [Benchmark(OperationsPerInvoke = Items)]
    public int AttachClear()
    {
        foreach (var item in _items)
        {
            _db.Attach(item);
            _db.ChangeTracker.Clear();
        }

        return _items.Length;
    }

    /// <summary>As <see cref="AttachClear"/> plus the change detection the loop runs after the processor (<c>HasChanges()</c>).</summary>
    [Benchmark(OperationsPerInvoke = Items)]
    public int AttachDetectClear()
    {
        var changed = 0;
        foreach (var item in _items)
        {
            _db.Attach(item);
            changed += _db.ChangeTracker.HasChanges() ? 1 : 0;
            _db.ChangeTracker.Clear();
        }

        return changed;
    }

    /// <summary>
    /// An alternative for the lead: detect changes on the item's own entry (<c>EntityEntry.DetectChanges()</c>)
    /// instead of the whole tracker (<c>ChangeTracker.HasChanges()</c>). Same answer for an item that only changes itself.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Items)]
    public int AttachEntryDetectClear()
    {
        var changed = 0;
        foreach (var item in _items)
        {
            var entry = _db.Attach(item);
            entry.DetectChanges();
            changed += entry.State == Microsoft.EntityFrameworkCore.EntityState.Unchanged ? 0 : 1;
            _db.ChangeTracker.Clear();
        }

        return changed;
    }

    /// <summary>
    /// An alternative for the lead: keep the batch's items tracked for the whole batch (attach each, detect on its own
    /// entry) and clear the tracker once per batch rather than once per item.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Items)]
    public int AttachEntryDetectClearOncePerBatch()
    {
        var changed = 0;
        foreach (var item in _items)
        {
            var entry = _db.Attach(item);
            entry.DetectChanges();
            changed += entry.State == Microsoft.EntityFrameworkCore.EntityState.Unchanged ? 0 : 1;
        }

        _db.ChangeTracker.Clear();
        return changed;
    }

    /// <summary>The item scope (an <c>AsyncLocal</c> set and reset) and the processor's context object.</summary>
    [Benchmark(OperationsPerInvoke = Items)]
    public int ScopeAndContext()
    {
        var total = 0;
        foreach (var item in _items)
        {
            using (ItemScope.Enter(_db, LibraryWorker.WorkflowName, ItemIsolation.Savepoint))
            {
                total += new StatusItemContext(LibraryWorker.WorkflowName, LibraryWorker.WorkflowName, _db, attempt: 1).Attempt;
            }
        }

        return total;
    }

    /// <summary>Calling the processor through its interface and awaiting the <c>ValueTask</c>, as the loop does.</summary>
    [Benchmark(OperationsPerInvoke = Items)]
    public async Task<int> CallProcessor()
    {
        IStatusItemProcessor<BenchDomain> processor = _processor;
        var context = new StatusItemContext(LibraryWorker.WorkflowName, LibraryWorker.WorkflowName, _db, attempt: 1);
        var completed = 0;
        foreach (var item in _items)
        {
            completed += (await processor.ProcessAsync(item, context, CancellationToken.None)).Kind == ItemResultKind.Completed ? 1 : 0;
        }

        return completed;
    }

    /// <summary>Reading each key (boxed, through the converter-aware reader) into the outcome batch.</summary>
    [Benchmark(OperationsPerInvoke = Items)]
    public int ReadKeysIntoOutcomes()
    {
        var outcomes = new OutcomeBatch(_keys.CreateArray(_items.Length));
        foreach (var item in _items)
        {
            outcomes.Add(_keys.Read(item), Claiming.WorkflowSql.CompletedKind);
        }

        return outcomes.ToParameters().Length;
    }
}
