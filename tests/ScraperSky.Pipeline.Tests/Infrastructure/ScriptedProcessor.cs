using System.Collections.Concurrent;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>What the test processor does for each item; a singleton the test configures.</summary>
public sealed class ProcessorScript
{
    public Func<WorkItem, StatusItemContext, CancellationToken, ValueTask<ItemResult>> Body { get; set; }
        = (_, _, _) => ValueTask.FromResult(ItemResult.Completed);

    /// <summary>Every item id the processor was called with, in call order.</summary>
    public ConcurrentQueue<long> Calls { get; } = new();
}

/// <summary>The processor of the test workflows: records the call, then runs the script.</summary>
public sealed class ScriptedProcessor(ProcessorScript script) : IStatusItemProcessor<WorkItem>
{
    public ValueTask<ItemResult> ProcessAsync(WorkItem item, StatusItemContext context, CancellationToken cancellationToken)
    {
        script.Calls.Enqueue(item.Id);
        return script.Body(item, context, cancellationToken);
    }
}

/// <summary>What the lease-item test processor does for each item; a singleton the test configures.</summary>
public sealed class LeaseScript
{
    public Func<LeaseItem, StatusItemContext, CancellationToken, ValueTask<ItemResult>> Body { get; set; }
        = (_, _, _) => ValueTask.FromResult(ItemResult.Completed);

    /// <summary>Every item id the processor was called with, in call order.</summary>
    public ConcurrentQueue<long> Calls { get; } = new();
}

/// <summary>The processor of the lease-item workflows: records the call, then runs the script.</summary>
public sealed class LeaseProcessor(LeaseScript script) : IStatusItemProcessor<LeaseItem>
{
    public ValueTask<ItemResult> ProcessAsync(LeaseItem item, StatusItemContext context, CancellationToken cancellationToken)
    {
        script.Calls.Enqueue(item.Id);
        return script.Body(item, context, cancellationToken);
    }
}
