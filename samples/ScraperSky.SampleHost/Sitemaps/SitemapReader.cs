using Microsoft.Extensions.Options;
using ScraperSky.SampleHost.Http;

namespace ScraperSky.SampleHost.Sitemaps;

/// <summary>Fetches (gzip too) and parses one sitemap file within the configured limits.</summary>
public sealed class SitemapReader(PageFetcher fetcher, IOptions<SitemapOptions> options)
{
    /// <summary>Fetches and parses <paramref name="url"/>.</summary>
    /// <exception cref="FetchException">The file could not be fetched.</exception>
    /// <exception cref="SitemapFormatException">The file is not a usable sitemap.</exception>
    public async Task<(FetchResult Fetch, SitemapDocument Document)> ReadAsync(Uri url, CancellationToken cancellationToken)
    {
        var fetch = await fetcher.GetAsync(url, cancellationToken);
        return (fetch, SitemapXmlParser.Parse(fetch.Body, fetch.FinalUrl, options.Value.MaxEntriesPerFile));
    }
}
