using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Http;
using ScraperSky.SampleHost.Sitemaps;

namespace ScraperSky.SampleHost.Workflows.SitemapAnalysis;

/// <summary>
/// <c>process_single_sitemap_file_for_sitemap_scheduler</c>, the legacy sitemap job of <c>process_pending_jobs</c>
/// (<c>sitemap_files.status</c>, queued as <c>Pending</c>): measures the file without importing it (its size,
/// whether it is gzip or an index, its Last-Modified header and how many URLs it lists), as the seeds' older
/// sitemap scanner did before imports recorded pages.
/// </summary>
public sealed class SitemapFileAnalysisProcessor(SitemapReader reader, TimeProvider time) : IStatusItemProcessor<SitemapFile>
{
    public async ValueTask<ItemResult> ProcessAsync(SitemapFile item, StatusItemContext context, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(item.Url, UriKind.Absolute, out var url))
        {
            return ItemResult.Failed($"'{item.Url}' is not an absolute URL");
        }

        try
        {
            var (fetch, document) = await reader.ReadAsync(url, cancellationToken);
            item.SizeBytes = fetch.Body.Length;
            item.IsGzipped = fetch.WasGzipped;
            item.HttpLastModified = fetch.LastModified;
            item.IsIndex = document.IsIndex;
            item.UrlCount = document.Entries.Count;
            item.UpdatedAt = time.GetUtcNow();
            return ItemResult.Completed;
        }
        catch (Exception ex) when (ex is FetchException or SitemapFormatException)
        {
            return ItemResult.Failed(ex.Message);
        }
    }
}
