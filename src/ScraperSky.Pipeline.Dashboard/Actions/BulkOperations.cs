using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Dashboard.Diagnostics;
using ScraperSky.Pipeline.Dashboard.Live;

namespace ScraperSky.Pipeline.Dashboard.Actions;

/// <summary>
/// Bulk re-queue and cancel runs outside the request (a closed tab does not stop it; the host's shutdown does, between
/// batches): the page polls its progress by id. The last 100 operations are kept.
/// </summary>
internal sealed class BulkOperations(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, DashboardSampler sampler, ILogger<BulkOperations> logger)
{
    private const int Kept = 100;
    private readonly ConcurrentDictionary<string, BulkOperation> _operations = new(StringComparer.Ordinal);

    /// <summary>Starts an operation on the workflow's queues.</summary>
    public BulkOperation Start(string who, string action, string workflow, string scope, Func<IStatusWorkflowQueues, BulkOperation, CancellationToken, Task<long>> work)
    {
        var operation = new BulkOperation(Guid.NewGuid().ToString("N"), action, workflow, scope);
        _operations[operation.Id] = operation;
        Prune();
        var stopping = lifetime.ApplicationStopping;
        operation.Task = Task.Run(async () =>
        {
            try
            {
                await using var serviceScope = scopes.CreateAsyncScope();
                var queues = serviceScope.ServiceProvider.GetRequiredService<IStatusWorkflowQueues>();
                var rows = await work(queues, operation, stopping).ConfigureAwait(false);
                operation.Finish(rows, null);
                sampler.Invalidate();
                DashboardLog.ActionPerformed(logger, who, action, workflow, scope, rows);
            }
            catch (Exception ex)
            {
                operation.Finish(operation.Done, ex is OperationCanceledException ? "stopped: the host is shutting down" : ex.Message);
                DashboardLog.ActionFailed(logger, ex, who, action, workflow, operation.Done);
            }
        }, CancellationToken.None);
        return operation;
    }

    /// <summary>Gets an operation by id, or <see langword="null"/>.</summary>
    public BulkOperation? Get(string id) => _operations.GetValueOrDefault(id);

    private void Prune()
    {
        if (_operations.Count <= Kept)
        {
            return;
        }

        foreach (var old in _operations.Values.Where(o => o.Finished).OrderBy(o => o.Started).Take(_operations.Count - Kept))
        {
            _operations.TryRemove(old.Id, out _);
        }
    }
}

/// <summary>One bulk operation: its running count (reported by the queues after each batch), its result or its error.</summary>
internal sealed class BulkOperation(string id, string action, string workflow, string scope) : IProgress<long>
{
    private long _done;
    private volatile bool _finished;

    public string Id { get; } = id;

    public string Action { get; } = action;

    public string Workflow { get; } = workflow;

    public string Scope { get; } = scope;

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public long Done => Interlocked.Read(ref _done);

    public bool Finished => _finished;

    public string? Error { get; private set; }

    public Task Task { get; set; } = Task.CompletedTask;

    /// <summary>Adds rows done by a call that reports no progress of its own (one key of a selection).</summary>
    public void Add(long rows) => Interlocked.Add(ref _done, rows);

    /// <summary>Sets the running total of a call that reports its progress.</summary>
    public void Report(long value) => Interlocked.Exchange(ref _done, value);

    public void Finish(long rows, string? error)
    {
        Interlocked.Exchange(ref _done, rows);
        Error = error;
        _finished = true;
    }
}
