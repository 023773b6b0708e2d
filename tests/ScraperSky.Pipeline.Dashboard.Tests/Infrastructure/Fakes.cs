using System.Collections.Concurrent;

namespace ScraperSky.Pipeline.Dashboard.Tests.Infrastructure;

/// <summary>
/// A catalog of one workflow ("orders") with counts the test sets, for the dashboard's own HTTP and permission logic.
/// The real catalog runs SQL and is exercised by the browser tests.
/// </summary>
public sealed class FakeCatalog : IPipelineCatalog
{
    private long _countCalls;

    public static readonly StatusWorkflowInfo Orders = new()
    {
        Name = "orders",
        JobId = "orders",
        Table = "orders",
        KeyColumn = "id",
        StatusColumn = "status",
        Values = new Dictionary<StatusRole, string> { [StatusRole.Queued] = "Queued", [StatusRole.Processing] = "Processing", [StatusRole.Completed] = "Completed", [StatusRole.Error] = "Error" },
        EntityType = typeof(object),
        Mode = ClaimMode.Lease,
        Enabled = true,
        Interval = TimeSpan.FromSeconds(5),
        HasErrorColumn = true,
        HasUpdatedAt = true,
        Settings = [new StatusWorkflowSetting("Batch:Size", "100", "default"), new StatusWorkflowSetting("Schedule:Interval", "00:00:05", "code")],
    };

    public StatusCounts Counts { get; set; } = new() { Queued = 3, Processing = 1, Completed = 40, Error = 2, IsExact = true, CountedAt = DateTimeOffset.UtcNow };

    public IReadOnlyList<StatusRow> Rows { get; set; } =
    [
        new() { Key = "1", Status = StatusRole.Error, StatusValue = "Error", Error = "<script>alert(1)</script> timeout", Attempts = 3 },
        new() { Key = "2", Status = StatusRole.Error, StatusValue = "Error", Error = "404", Attempts = 1 },
    ];

    /// <summary>Gets or sets the <see cref="StatusRowPage.Next"/> every page answers.</summary>
    public string? Next { get; set; }

    /// <summary>Gets the last filter and <c>after</c> the rows were asked with.</summary>
    public (StatusRowFilter Filter, string? After)? LastRowsQuery { get; private set; }

    /// <summary>Gets how many times the counts were read (each is a query in the real catalog).</summary>
    public long CountCalls => Interlocked.Read(ref _countCalls);

    /// <summary>Gets or sets the wake-up state every workflow answers.</summary>
    public WakeUpStatus WakeUp { get; set; } = new() { State = WakeUpState.Listening };

    public IReadOnlyList<StatusWorkflowInfo> GetWorkflows() => [Orders];

    public WakeUpStatus GetWakeUpStatus(string workflowName) => workflowName == Orders.Name ? WakeUp : throw new ArgumentException($"No workflow '{workflowName}'.", nameof(workflowName));

    public StatusWorkflowInfo? GetWorkflow(string workflowName) => workflowName == Orders.Name ? Orders : null;

    public ValueTask<StatusCounts> GetCountsAsync(string workflowName, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _countCalls);
        return workflowName == Orders.Name ? ValueTask.FromResult(Counts) : throw new ArgumentException($"No workflow '{workflowName}'.", nameof(workflowName));
    }

    public Task<StatusRowPage> GetRowsAsync(string workflowName, StatusRowFilter filter, string? after = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        LastRowsQuery = (filter, after);
        return Task.FromResult(new StatusRowPage(Rows, Next));
    }
}

/// <summary>Records what the dashboard asked the queues to do, and answers with the counts the test sets.</summary>
public sealed class FakeQueues : IStatusWorkflowQueues
{
    public ConcurrentQueue<(string Call, string Workflow, StatusRowFilter Filter, string? Reason)> Calls { get; } = new();

    public long CountResult { get; set; } = 2;

    public long ChangedRows { get; set; } = 2;

    public IStatusWorkflowQueue<TEntity> Get<TEntity>(string workflowName)
        where TEntity : class => throw new NotSupportedException("The dashboard never asks for a typed queue.");

    public Task<long> CountAsync(string workflowName, StatusRowFilter filter, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(("count", workflowName, filter, null));
        return Task.FromResult(CountResult);
    }

    public Task<long> QueueAsync(string workflowName, StatusRowFilter filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(("queue", workflowName, filter, null));
        progress?.Report(ChangedRows);
        return Task.FromResult(ChangedRows);
    }

    public Task<long> CancelAsync(string workflowName, StatusRowFilter filter, string reason, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(("cancel", workflowName, filter, reason));
        progress?.Report(ChangedRows);
        return Task.FromResult(ChangedRows);
    }

    public Task<long> ResetStuckAsync(string workflowName, bool dryRun = false, bool force = false, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue((dryRun ? "reset-dry" : "reset", workflowName, new StatusRowFilter(), null));
        return Task.FromResult(ChangedRows);
    }
}
