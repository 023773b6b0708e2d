using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Curation;

/// <summary>
/// The seeds' "dual status": a curation status that people set, and a processing status that a workflow polls.
/// Setting the curation status to <see cref="SitemapCurationStatus.Selected"/> queues the processing status (and
/// clears its last error) in the same transaction, so a row is never selected without being queued, or queued
/// without being selected. Like the seeds' routers, the caller's request owns the transaction: it is opened and
/// committed here, around both updates.
/// </summary>
public sealed class CurationService(ScraperSkyDb db, TimeProvider time)
{
    /// <summary>Sets domains' sitemap curation status; <c>Selected</c> queues their sitemap analysis.</summary>
    public Task<CurationResult> CurateDomainsAsync(IReadOnlyCollection<long> ids, SitemapCurationStatus status, CancellationToken cancellationToken)
        => CurateAsync(ids, db.Domains, d => d.Id, async (rows, now) =>
        {
            var updated = await rows.ExecuteUpdateAsync(s => s.SetProperty(d => d.SitemapCurationStatus, status).SetProperty(d => d.UpdatedAt, now), cancellationToken);
            var queued = status != SitemapCurationStatus.Selected ? 0 : await rows.ExecuteUpdateAsync(
                s => s.SetProperty(d => d.SitemapAnalysisStatus, SitemapAnalysisStatus.Queued).SetProperty(d => d.SitemapAnalysisError, (string?)null),
                cancellationToken);
            return (updated, queued);
        }, cancellationToken);

    /// <summary>Sets sitemap files' deep-scrape curation status; <c>Selected</c> queues their import.</summary>
    public Task<CurationResult> CurateSitemapFilesAsync(IReadOnlyCollection<long> ids, SitemapCurationStatus status, CancellationToken cancellationToken)
        => CurateAsync(ids, db.SitemapFiles, f => f.Id, async (rows, now) =>
        {
            var updated = await rows.ExecuteUpdateAsync(s => s.SetProperty(f => f.DeepScrapeCurationStatus, status).SetProperty(f => f.UpdatedAt, now), cancellationToken);
            var queued = status != SitemapCurationStatus.Selected ? 0 : await rows.ExecuteUpdateAsync(
                s => s.SetProperty(f => f.SitemapImportStatus, SitemapImportStatus.Queued).SetProperty(f => f.SitemapImportError, (string?)null),
                cancellationToken);
            return (updated, queued);
        }, cancellationToken);

    /// <summary>Sets places' curation status; <c>Selected</c> queues their deep scan.</summary>
    public Task<CurationResult> CuratePlacesAsync(IReadOnlyCollection<long> ids, SitemapCurationStatus status, CancellationToken cancellationToken)
        => CurateAsync(ids, db.PlacesStaging, p => p.Id, async (rows, now) =>
        {
            var updated = await rows.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, status).SetProperty(p => p.UpdatedAt, now), cancellationToken);
            var queued = status != SitemapCurationStatus.Selected ? 0 : await rows.ExecuteUpdateAsync(
                s => s.SetProperty(p => p.DeepScanStatus, GcpApiDeepScanStatus.Queued).SetProperty(p => p.DeepScanError, (string?)null),
                cancellationToken);
            return (updated, queued);
        }, cancellationToken);

    private async Task<CurationResult> CurateAsync<TEntity>(
        IReadOnlyCollection<long> ids,
        IQueryable<TEntity> table,
        Expression<Func<TEntity, long>> key,
        Func<IQueryable<TEntity>, DateTimeOffset, Task<(int Updated, int Queued)>> update,
        CancellationToken cancellationToken)
        where TEntity : class
    {
        var wanted = ids.Distinct().ToArray();
        var rows = table.Where(BuildContains(key, wanted));
        await using IDbContextTransaction transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var existing = await rows.Select(key).ToListAsync(cancellationToken);
        var unknown = wanted.Except(existing).Order().ToList();
        if (unknown.Count > 0)
        {
            return new CurationResult(0, 0, unknown);
        }

        var (updated, queued) = await update(rows, time.GetUtcNow());
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
