using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Http;

namespace ScraperSky.SampleHost.Workflows.SitemapDiscovery;

/// <summary>
/// <c>process_single_domain_for_domain_sitemap_submission</c> (job <c>process_pending_domain_sitemap_submissions</c>):
/// discovers the domain's sitemaps from robots.txt <c>Sitemap:</c> lines and the well-known paths, and records each
/// as a sitemap file queued for import. The unique key (domain, url) with <c>ON CONFLICT DO NOTHING</c> keeps a
/// repeated discovery, or a sitemap named twice, from creating duplicates.
/// </summary>
public sealed class DomainSitemapSubmissionProcessor(PageFetcher fetcher, SiteAddresses addresses, ScraperSkyDb db, TimeProvider time)
    : IStatusItemProcessor<Domain>
{
    /// <summary>The paths sites commonly serve sitemaps at without naming them in robots.txt.</summary>
    public static readonly IReadOnlyList<string> WellKnownPaths = ["/sitemap.xml", "/sitemap_index.xml", "/sitemap-index.xml", "/sitemap.xml.gz"];

    private const string InsertSql = """
        INSERT INTO sitemap_files (domain_id, url, discovered_via, depth, status, deep_scrape_curation_status, sitemap_import_status)
        SELECT @domain_id, f.url, f.via, 0, 'Pending'::sitemap_file_status_enum, 'Selected'::"SitemapCurationStatusEnum", 'Queued'::sitemap_import_status_enum
        FROM unnest(@urls, @vias) AS f(url, via)
        ON CONFLICT (domain_id, url) DO NOTHING
        """;

    public async ValueTask<ItemResult> ProcessAsync(Domain item, StatusItemContext context, CancellationToken cancellationToken)
    {
        if (!SiteAddresses.IsValidDomain(item.DomainName))
        {
            return ItemResult.Failed($"'{item.DomainName}' is not a valid domain name");
        }

        var root = addresses.Root(item.DomainName);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var robotsUrl = new Uri(root, "/robots.txt");
        try
        {
            var robots = await fetcher.GetAsync(robotsUrl, cancellationToken);
            foreach (var url in RobotsTxt.SitemapUrls(Encoding.UTF8.GetString(robots.Body), robots.FinalUrl))
            {
                found.TryAdd(url.AbsoluteUri, "robots.txt");
            }
        }
        catch (FetchException ex) when (ex.StatusCode is >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError)
        {
            // No robots.txt (404, 410, 403…) is normal: the well-known paths still count.
        }
        catch (FetchException ex)
        {
            return ItemResult.Failed($"robots.txt unavailable: {ex.Message}");
        }

        foreach (var path in WellKnownPaths)
        {
            var url = new Uri(root, path);
            if (!found.ContainsKey(url.AbsoluteUri) && await fetcher.ProbeAsync(url, cancellationToken) == HttpStatusCode.OK)
            {
                found.TryAdd(url.AbsoluteUri, "well-known path");
            }
        }

        if (found.Count > 0)
        {
            await db.Database.ExecuteSqlRawAsync(
                InsertSql,
                [
                    new NpgsqlParameter("domain_id", item.Id),
                    new NpgsqlParameter("urls", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = found.Keys.ToArray() },
                    new NpgsqlParameter("vias", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = found.Values.ToArray() },
                ],
                cancellationToken);
        }

        item.SitemapsFound = found.Count;
        item.UpdatedAt = time.GetUtcNow();
        return ItemResult.Completed;
    }
}
