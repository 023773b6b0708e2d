using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace ScraperSky.SampleHost.Http;

/// <summary>
/// Fetches one URL for a workflow: follows redirects itself (to cap them and name loops), enforces one time budget
/// and a size cap (also on gzip files after decompression), and turns every failure into a
/// <see cref="FetchException"/> whose message a person understands, such as
/// <c>HTTP 404 Not Found fetching http://site-001.test/sitemap.xml</c>.
/// </summary>
public sealed class PageFetcher(IHttpClientFactory clients, IOptions<CrawlerOptions> options)
{
    /// <summary>The name of the <see cref="HttpClient"/> configured for crawling.</summary>
    public const string ClientName = "crawler";

    private const int CopyBufferSize = 81920;

    /// <summary>Fetches <paramref name="url"/> and reads its body.</summary>
    /// <exception cref="FetchException">Error status, timeout, redirect loop, oversized or corrupt body, or no connection.</exception>
    public async Task<FetchResult> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(settings.Timeout);
        var current = url;
        try
        {
            using var response = await SendFollowingRedirectsAsync(url, settings, budget.Token, u => current = u);
            EnsureSuccess(url, current, response);
            var body = await ReadCappedAsync(response.Content, settings.MaxResponseBytes, current, budget.Token);
            var gzipped = body.Length >= 2 && body[0] == 0x1f && body[1] == 0x8b;
            if (gzipped)
            {
                body = Gunzip(body, settings.MaxResponseBytes, current);
            }

            return new FetchResult(
                url,
                current,
                response.StatusCode,
                response.Content.Headers.ContentType?.ToString(),
                response.Headers.Server.Count == 0 ? null : response.Headers.Server.ToString(),
                response.Content.Headers.LastModified?.ToString("R"),
                gzipped,
                body);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FetchException($"timed out after {Describe(settings.Timeout)} fetching {current}", url, innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new FetchException($"could not fetch {current}: {ex.Message}", url, innerException: ex);
        }
    }

    /// <summary>
    /// Asks whether <paramref name="url"/> exists without reading its body: the final status after redirects, or
    /// <see langword="null"/> when the server could not be reached, timed out or redirected in a loop.
    /// </summary>
    public async Task<HttpStatusCode?> ProbeAsync(Uri url, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(settings.Timeout);
        try
        {
            using var response = await SendFollowingRedirectsAsync(url, settings, budget.Token, _ => { });
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is FetchException or HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>Formats a byte count the way error texts show it: <c>5 MB</c>, <c>512 KB</c> or <c>1234 bytes</c>.</summary>
    public static string DescribeSize(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MB",
        >= 1024 when bytes % 1024 == 0 => $"{bytes / 1024} KB",
        _ => $"{bytes} bytes",
    };

    /// <summary>Formats a duration the way error texts show it: <c>5 s</c> or <c>750 ms</c>.</summary>
    public static string Describe(TimeSpan duration)
        => duration.TotalSeconds >= 1 && duration.Milliseconds == 0 ? $"{(long)duration.TotalSeconds} s" : $"{(long)duration.TotalMilliseconds} ms";

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(Uri url, CrawlerOptions settings, CancellationToken cancellationToken, Action<Uri> visiting)
    {
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            throw new FetchException($"cannot fetch {url}: only http and https URLs are crawled", url);
        }

        var client = clients.CreateClient(ClientName);
        var chain = new List<Uri> { url };
        var current = url;
        while (true)
        {
            visiting(current);
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location)
            {
                return response;
            }

            response.Dispose();
            var next = location.IsAbsoluteUri ? location : new Uri(current, location);
            if (chain.Contains(next))
            {
                throw new FetchException("redirect loop: " + string.Join(" → ", chain.Append(next)), url);
            }

            if (chain.Count > settings.MaxRedirects)
            {
                throw new FetchException($"more than {settings.MaxRedirects} redirects: " + string.Join(" → ", chain.Append(next)), url);
            }

            if (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps)
            {
                throw new FetchException($"redirect from {current} to a non-web URL {next}", url);
            }

            chain.Add(next);
            current = next;
        }
    }

    private static bool IsRedirect(HttpStatusCode status)
        => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static void EnsureSuccess(Uri requested, Uri current, HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var code = (int)response.StatusCode;
        var reason = string.IsNullOrWhiteSpace(response.ReasonPhrase) ? ReasonPhrases.GetReasonPhrase(code) : response.ReasonPhrase;
        throw new FetchException($"HTTP {code} {reason} fetching {current}".Replace("  ", " ", StringComparison.Ordinal), requested, response.StatusCode);
    }

    private static async Task<byte[]> ReadCappedAsync(HttpContent content, long maxBytes, Uri url, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes, url);
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        return await CopyCappedAsync(stream, maxBytes, url, cancellationToken);
    }

    private static byte[] Gunzip(byte[] compressed, long maxBytes, Uri url)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var inflated = new MemoryStream();
            var chunk = new byte[CopyBufferSize];
            int read;
            while ((read = gzip.Read(chunk)) > 0)
            {
                // Capped while inflating: a small gzip bomb never reaches memory in full.
                if (inflated.Length + read > maxBytes)
                {
                    throw TooLarge(maxBytes, url);
                }

                inflated.Write(chunk, 0, read);
            }

            return inflated.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new FetchException($"corrupt gzip data fetching {url}: {ex.Message}", url, innerException: ex);
        }
    }

    private static async Task<byte[]> CopyCappedAsync(Stream source, long maxBytes, Uri url, CancellationToken cancellationToken)
    {
        // Counts what actually arrives (or inflates), so a missing or lying Content-Length and gzip bombs are capped too.
        using var buffer = new MemoryStream();
        var chunk = new byte[CopyBufferSize];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes, url);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static FetchException TooLarge(long maxBytes, Uri url)
        => new($"response larger than {DescribeSize(maxBytes)} fetching {url}", url);
}
