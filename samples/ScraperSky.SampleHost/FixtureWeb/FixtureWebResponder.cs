using System.IO.Compression;
using System.Net;
using System.Security;
using System.Text;
using Microsoft.Extensions.Options;

namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>
/// Answers every request to the fixture web: routes by the Host header to a synthetic site (or the fake places API)
/// and serves its home page, robots.txt and sitemaps, or its breakage.
/// </summary>
public sealed class FixtureWebResponder(SyntheticWeb web, FakePlacesApi places, IOptions<FixtureWebOptions> options)
{
    private const string SitemapNamespace = "http://www.sitemaps.org/schemas/sitemap/0.9";
    private static readonly Lazy<byte[]> GzipBomb = new(CreateGzipBomb);

    public async Task HandleAsync(HttpContext context)
    {
        var host = context.Request.Host.Host;
        if (string.Equals(host, SyntheticWeb.PlacesHost, StringComparison.OrdinalIgnoreCase))
        {
            await places.HandleAsync(context);
            return;
        }

        var site = web.Site(host);
        if (site is null)
        {
            await WriteAsync(context, HttpStatusCode.NotFound, "text/plain", $"The fixture web has no site named {host}.");
            return;
        }

        context.Response.Headers.Server = site.Server;
        var path = context.Request.Path.Value ?? "/";
        switch (site.Kind)
        {
            case SiteKind.NotFound:
                await WriteAsync(context, HttpStatusCode.NotFound, "text/html", "<h1>Not Found</h1>");
                return;
            case SiteKind.ServerError:
                await WriteAsync(context, HttpStatusCode.InternalServerError, "text/html", "<h1>Internal Server Error</h1>");
                return;
            case SiteKind.Slow:
                // Never answers within a crawl timeout; the client's abort ends the wait.
                await Task.Delay(options.Value.SlowResponse, context.RequestAborted);
                await WriteAsync(context, HttpStatusCode.OK, "text/html", Home(site));
                return;
            case SiteKind.Huge:
                await StreamHugeAsync(context, options.Value.HugeBodyBytes);
                return;
            case SiteKind.RedirectLoop:
                context.Response.StatusCode = StatusCodes.Status302Found;
                context.Response.Headers.Location = path == "/loop/a" ? "/loop/b" : "/loop/a";
                return;
        }

        await ServeSiteAsync(context, site, path);
    }

    private async Task ServeSiteAsync(HttpContext context, FixtureSite site, string path)
    {
        var host = site.Host;
        if (path == "/")
        {
            await WriteAsync(context, HttpStatusCode.OK, "text/html; charset=utf-8", Home(site));
            return;
        }

        if (path == "/robots.txt")
        {
            var sitemapLines = site.Kind switch
            {
                SiteKind.Standard or SiteKind.NestedIndex or SiteKind.DeepIndex => $"Sitemap: http://{host}/sitemap_index.xml\n",
                SiteKind.Duplicate => $"Sitemap: /sitemap.xml\nSITEMAP: http://{host}/sitemap.xml\nsitemap: http://{host}/news-sitemap.xml\n",
                SiteKind.MalformedSitemap => $"Sitemap: http://{host}/sitemap.xml\n",
                SiteKind.HugeSitemap => $"Sitemap: http://{host}/sitemap.xml.gz\n",
                SiteKind.MissingSitemap => $"Sitemap: http://{host}/sitemap-missing.xml\n",
                SiteKind.NoSitemap => null,
                _ => string.Empty,
            };
            if (sitemapLines is null)
            {
                await WriteAsync(context, HttpStatusCode.NotFound, "text/plain", "no robots.txt here");
                return;
            }

            await WriteAsync(context, HttpStatusCode.OK, "text/plain", $"# {site.Title}\nUser-agent: *\nDisallow: /private/\n\n{sitemapLines}");
            return;
        }

        var sitemap = Sitemap(site, path);
        if (sitemap is null)
        {
            await WriteAsync(context, HttpStatusCode.NotFound, "text/html", "<h1>Not Found</h1>");
            return;
        }

        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/gzip";
            await context.Response.Body.WriteAsync(sitemap);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/xml";
        await context.Response.Body.WriteAsync(sitemap);
    }

    /// <summary>The bytes of the sitemap at <paramref name="path"/>, or <see langword="null"/> for a 404.</summary>
    private byte[]? Sitemap(FixtureSite site, string path)
    {
        var host = site.Host;
        switch (site.Kind, path)
        {
            case (SiteKind.Standard, "/sitemap_index.xml"):
                return Utf8(Index(host, "/sitemaps/pages.xml", "/sitemaps/posts.xml.gz"));
            case (SiteKind.Standard, "/sitemaps/pages.xml"):
            case (SiteKind.WellKnown or SiteKind.Duplicate, "/sitemap.xml"):
            case (SiteKind.Duplicate, "/news-sitemap.xml"):
            case (SiteKind.NestedIndex, "/sitemaps/deep-pages.xml"):
                return Utf8(UrlSetXml(host, path));
            case (SiteKind.Standard, "/sitemaps/posts.xml.gz"):
                return Gzip(Utf8(UrlSetXml(host, path)));
            case (SiteKind.NestedIndex, "/sitemap_index.xml"):
                return Utf8(Index(host, "/sitemaps/section-index.xml"));
            case (SiteKind.NestedIndex, "/sitemaps/section-index.xml"):
                return Utf8(Index(host, "/sitemaps/deep-pages.xml"));
            case (SiteKind.DeepIndex, "/sitemap_index.xml"):
                return Utf8(Index(host, "/sitemaps/level-1.xml"));
            case (SiteKind.DeepIndex, _) when path.StartsWith("/sitemaps/level-", StringComparison.Ordinal)
                && int.TryParse(path["/sitemaps/level-".Length..^".xml".Length], out var level):
                return Utf8(Index(host, $"/sitemaps/level-{level + 1}.xml"));
            case (SiteKind.MalformedSitemap, "/sitemap.xml"):
                // The <url> element is never closed: an XML error on line 3.
                return Utf8($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"{SitemapNamespace}\">\n<url><loc>http://{host}/a</loc></urlset>\n");
            case (SiteKind.HugeSitemap, "/sitemap.xml.gz"):
                return GzipBomb.Value;
            default:
                return null;
        }
    }

    private string UrlSetXml(string host, string path)
    {
        var xml = new StringBuilder($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"{SitemapNamespace}\">\n");
        foreach (var entry in web.UrlSet(host, path))
        {
            xml.Append("  <url><loc>").Append(SecurityElement.Escape(entry.Location)).Append("</loc>");
            if (entry.LastModified is not null)
            {
                xml.Append("<lastmod>").Append(entry.LastModified).Append("</lastmod>");
            }

            if (entry.ChangeFrequency is not null)
            {
                xml.Append("<changefreq>").Append(entry.ChangeFrequency).Append("</changefreq>");
            }

            if (entry.Priority is not null)
            {
                xml.Append("<priority>").Append(entry.Priority).Append("</priority>");
            }

            xml.Append("</url>\n");
        }

        return xml.Append("</urlset>\n").ToString();
    }

    private static string Index(string host, params string[] children)
    {
        var xml = new StringBuilder($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"{SitemapNamespace}\">\n");
        foreach (var child in children)
        {
            xml.Append("  <sitemap><loc>http://").Append(host).Append(child).Append("</loc><lastmod>2024-06-01</lastmod></sitemap>\n");
        }

        return xml.Append("</sitemapindex>\n").ToString();
    }

    private static string Home(FixtureSite site)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        return $"""
            <!DOCTYPE html>
            <html lang="{site.Language}">
            <head>
              <meta charset="utf-8">
              <title>{E(site.Title)}</title>
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <meta content="{E(site.Description)}" name="description">
              <link rel="canonical" href="http://{site.Host}/">
            </head>
            <body>
              <h1>{E(site.Title)}</h1>
              <p>{E(site.Description)}</p>
              <p>Write to <a href="mailto:{site.Emails[0]}">{site.Emails[0]}</a> or {site.Emails[1]}.</p>
              <p>Call <a href="tel:{site.Phones[0].Replace(" ", string.Empty, StringComparison.Ordinal)}">{site.Phones[0]}</a>, after hours {site.Phones[1]}.</p>
            </body>
            </html>
            """;
    }

    private static async Task StreamHugeAsync(HttpContext context, long bytes)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/html";
        var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("<p>lorem ipsum dolor sit amet</p>\n", 2000)));
        try
        {
            for (long sent = 0; sent < bytes; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The crawler hung up at its size cap, as it should.
        }
    }

    private static async Task WriteAsync(HttpContext context, HttpStatusCode status, string contentType, string body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] CreateGzipBomb()
    {
        // 6 MB of valid-looking XML that compresses to a few kilobytes: only the inflated size shows it is too big.
        var padding = new string(' ', 6 * 1024 * 1024);
        return Gzip(Utf8($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"{SitemapNamespace}\">{padding}</urlset>\n"));
    }
}
