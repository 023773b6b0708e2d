using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>The statements of a workflow's store that do not depend on its entity type (maintenance, counts).</summary>
internal interface IWorkflowStore
{
    WorkflowSql Sql { get; }

    WorkflowClock Clock { get; }

    (AsyncServiceScope Scope, DbContext Db) OpenSession();

    Task<(int Requeued, int Failed)> RescueChunkAsync(DbContext db, long lockKey, int chunkSize, int maxAttempts, CancellationToken cancellationToken);

    Task<long> CountQueuedAsync(CancellationToken cancellationToken);

    Task<bool> TerminateBackendAsync(int processId, CancellationToken cancellationToken);
}
