namespace ScraperSky.SampleHost.Workflows.SitemapDiscovery;

/// <summary>Reads the <c>Sitemap:</c> lines of a robots.txt (any case, absolute or relative to the file).</summary>
public static class RobotsTxt
{
    public static IReadOnlyList<Uri> SitemapUrls(string robots, Uri robotsUrl)
    {
        var urls = new List<Uri>();
        foreach (var raw in robots.Split('\n'))
        {
            var line = raw.Split('#', 2)[0].Trim();
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var value = colon > 0 ? line[(colon + 1)..].Trim() : string.Empty;
            if (value.Length > 0
                && line[..colon].Trim().Equals("sitemap", StringComparison.OrdinalIgnoreCase)
                && Uri.TryCreate(robotsUrl, value, out var url)
                && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
            {
                urls.Add(url);
            }
        }

        return urls;
    }
}
