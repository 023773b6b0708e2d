using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Http;
using ScraperSky.SampleHost.Sitemaps;

namespace ScraperSky.SampleHost.Workflows.SitemapImport;

/// <summary>
/// <c>process_single_sitemap_file_for_sitemap_import</c> (job <c>process_sitemap_imports</c>): fetches the sitemap
/// file (gzip too) and parses it within the limits. A <c>urlset</c> upserts its pages with lastmod, changefreq and
/// priority; a <c>sitemapindex</c> records its children as new sitemap files queued for import (one level deeper,
/// up to <see cref="SitemapOptions.MaxIndexDepth"/>).
/// </summary>
public sealed class SitemapImportProcessor(SitemapReader reader, ScraperSkyDb db, IOptions<SitemapOptions> options, TimeProvider time)
    : IStatusItemProcessor<SitemapFile>
{
    private const string UpsertPagesSql = """
        INSERT INTO pages (domain_id, sitemap_file_id, url, lastmod, changefreq, priority)
        SELECT @domain_id, @sitemap_file_id, p.url, p.lastmod, p.changefreq, p.priority
        FROM unnest(@urls, @lastmods, @changefreqs, @priorities) AS p(url, lastmod, changefreq, priority)
        ON CONFLICT (domain_id, url) DO UPDATE SET
            sitemap_file_id = excluded.sitemap_file_id, lastmod = excluded.lastmod, changefreq = excluded.changefreq,
            priority = excluded.priority, updated_at = now()
        """;

    private const string InsertChildrenSql = """
        INSERT INTO sitemap_files (domain_id, url, discovered_via, parent_sitemap_file_id, depth, status, deep_scrape_curation_status, sitemap_import_status)
        SELECT @domain_id, c.url, 'sitemap index', @parent_id, @depth, 'Pending'::sitemap_file_status_enum, 'Selected'::"SitemapCurationStatusEnum", 'Queued'::sitemap_import_status_enum
        FROM unnest(@urls) AS c(url)
        ON CONFLICT (domain_id, url) DO NOTHING
        """;

    public async ValueTask<ItemResult> ProcessAsync(SitemapFile item, StatusItemContext context, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(item.Url, UriKind.Absolute, out var url))
        {
            return ItemResult.Failed($"'{item.Url}' is not an absolute URL");
        }

        SitemapDocument document;
        try
        {
            var (fetch, parsed) = await reader.ReadAsync(url, cancellationToken);
            document = parsed;
            item.IsGzipped = fetch.WasGzipped;
        }
        catch (Exception ex) when (ex is FetchException or SitemapFormatException)
        {
            return ItemResult.Failed(ex.Message);
        }

        item.IsIndex = document.IsIndex;
        item.LastImportedAt = item.UpdatedAt = time.GetUtcNow();
        if (document.IsIndex)
        {
            var maxDepth = options.Value.MaxIndexDepth;
            if (item.Depth >= maxDepth)
            {
                return ItemResult.Failed($"sitemap indexes nested deeper than {maxDepth} levels: {item.Url} is an index at depth {item.Depth}");
            }

            var children = document.Entries.Select(e => e.Location.AbsoluteUri).Distinct(StringComparer.Ordinal).ToArray();
            await db.Database.ExecuteSqlRawAsync(
                InsertChildrenSql,
                [
                    new NpgsqlParameter("domain_id", item.DomainId),
                    new NpgsqlParameter("parent_id", item.Id),
                    new NpgsqlParameter("depth", item.Depth + 1),
                    new NpgsqlParameter("urls", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = children },
                ],
                cancellationToken);
            item.ChildSitemapsQueued = children.Length;
            item.PagesImported = 0;
            return ItemResult.Completed;
        }

        // One row per URL: ON CONFLICT DO UPDATE may not touch a row twice in one statement, and the last entry wins.
        var pages = document.Entries.GroupBy(e => e.Location.AbsoluteUri, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        if (pages.Count > 0)
        {
            await db.Database.ExecuteSqlRawAsync(
                UpsertPagesSql,
                [
                    new NpgsqlParameter("domain_id", item.DomainId),
                    new NpgsqlParameter("sitemap_file_id", item.Id),
                    new NpgsqlParameter("urls", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = pages.Select(p => p.Location.AbsoluteUri).ToArray() },
                    new NpgsqlParameter("lastmods", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = pages.Select(p => p.LastModified).ToArray() },
                    new NpgsqlParameter("changefreqs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = pages.Select(p => p.ChangeFrequency).ToArray() },
                    new NpgsqlParameter("priorities", NpgsqlDbType.Array | NpgsqlDbType.Numeric) { Value = pages.Select(p => p.Priority).ToArray() },
                ],
                cancellationToken);
        }

        item.PagesImported = pages.Count;
        item.ChildSitemapsQueued = 0;
        return ItemResult.Completed;
    }
}
