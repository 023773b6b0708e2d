using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Curation;

/// <summary>
/// The seeds' "dual status": a curation status that people set, and a processing status that a workflow polls.
/// Setting the curation status to <see cref="SitemapCurationStatus.Selected"/> queues the row for the workflow in the
/// same transaction, so a row is never selected without being queued, or queued without being selected. Queueing goes
/// through the library (<see cref="IStatusWorkflowQueue{TEntity}.In"/>), which also clears what an earlier run left
/// behind: attempts, lease, claim token, next attempt and error text. Like the seeds' routers, the caller's request owns
/// the transaction: it is opened and committed here, around both changes.
/// </summary>
public sealed class CurationService(ScraperSkyDb db, IStatusWorkflowQueues queues, TimeProvider time)
{
    /// <summary>Sets domains' sitemap curation status; <c>Selected</c> queues their sitemap analysis.</summary>
    public Task<CurationResult> CurateDomainsAsync(IReadOnlyCollection<long> ids, SitemapCurationStatus status, CancellationToken cancellationToken)
        => CurateAsync(
            ids,
            db.Domains,
            d => d.Id,
            (rows, now) => rows.ExecuteUpdateAsync(s => s.SetProperty(d => d.SitemapCurationStatus, status).SetProperty(d => d.UpdatedAt, now), cancellationToken),
            status == SitemapCurationStatus.Selected ? queues.Get<Domain>(ScraperSkyWorkflows.SitemapSubmissionsJob) : null,
            cancellationToken);

    /// <summary>Sets sitemap files' deep-scrape curation status; <c>Selected</c> queues their import.</summary>
    public Task<CurationResult> CurateSitemapFilesAsync(IReadOnlyCollection<long> ids, SitemapCurationStatus status, CancellationToken cancellationToken)
        => CurateAsync(
            ids,
            db.SitemapFiles,
            f => f.Id,
            (rows, now) => rows.ExecuteUpdateAsync(s => s.SetProperty(f => f.DeepScrapeCurationStatus, status).SetProperty(f => f.UpdatedAt, now), cancellationToken),
            status == SitemapCurationStatus.Selected ? queues.Get<SitemapFile>(ScraperSkyWorkflows.SitemapImportsJob) : null,
            cancellationToken);

    /// <summary>Sets places' curation status; <c>Selected</c> queues their deep scan.</summary>
    public Task<CurationResult> CuratePlacesAsync(IReadOnlyCollection<long> ids, SitemapCurationStatus status, CancellationToken cancellationToken)
        => CurateAsync(
            ids,
            db.PlacesStaging,
            p => p.Id,
            (rows, now) => rows.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, status).SetProperty(p => p.UpdatedAt, now), cancellationToken),
            status == SitemapCurationStatus.Selected ? queues.Get<PlaceStaging>(ScraperSkyWorkflows.PendingJobsJob) : null,
            cancellationToken);

    private async Task<CurationResult> CurateAsync<TEntity>(
        IReadOnlyCollection<long> ids,
        IQueryable<TEntity> table,
        Expression<Func<TEntity, long>> key,
        Func<IQueryable<TEntity>, DateTimeOffset, Task<int>> curate,
        IStatusWorkflowQueue<TEntity>? queue,
        CancellationToken cancellationToken)
        where TEntity : class
    {
        var wanted = ids.Distinct().ToArray();
        var rows = table.Where(BuildContains(key, wanted));
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var existing = await rows.Select(key).ToListAsync(cancellationToken);
        var unknown = wanted.Except(existing).Order().ToList();
        if (unknown.Count > 0)
        {
            return new CurationResult(0, 0, unknown);
        }

        var updated = await curate(rows, time.GetUtcNow());

        // In(db): the queueing statement runs in this transaction, so it commits (or rolls back) with the curation.
        // Rows a host is processing right now are left to it.
        var queued = queue is null ? 0 : await queue.In(db).QueueKeysAsync(wanted, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CurationResult(updated, queued, []);
    }

    private static Expression<Func<TEntity, bool>> BuildContains<TEntity>(Expression<Func<TEntity, long>> key, long[] ids)
    {
        // The ids sit behind a member access, as a captured variable would, so EF Core sends them as one array parameter.
        var holder = new { Ids = ids };
        var contains = Expression.Call(
            typeof(Enumerable), nameof(Enumerable.Contains), [typeof(long)], Expression.Property(Expression.Constant(holder), nameof(holder.Ids)), key.Body);
        return Expression.Lambda<Func<TEntity, bool>>(contains, key.Parameters);
    }
}
