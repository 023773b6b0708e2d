namespace ScraperSky.SampleHost.Http;

/// <summary>How the workflows fetch from the web (configuration section <c>Crawler</c>).</summary>
public sealed class CrawlerOptions
{
    public const string Section = "Crawler";

    /// <summary>Gets or sets the budget of one fetch, all redirects and the body included. Default 10 s.</summary>
    /// <remarks>Processors run inside the batch's transaction in atomic mode, so this also bounds how long row locks are held.</remarks>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the redirects one fetch follows at most. Default 5.</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>Gets or sets the largest body accepted, counted after decompression. Default 5 MB.</summary>
    public long MaxResponseBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Gets or sets the User-Agent header.</summary>
    public string UserAgent { get; set; } = "ScraperSkyBot/0.1 (ScraperSky.SampleHost)";

    /// <summary>Gets or sets how many requests one host receives at a time. Default 1.</summary>
    public int PerHostConcurrency { get; set; } = 1;

    /// <summary>
    /// Gets or sets whether the crawler may connect to loopback, link-local, private and other non-public addresses.
    /// Default <see langword="false"/>: a robots.txt, sitemap or redirect naming <c>127.0.0.1:5432</c> or
    /// <c>169.254.169.254</c> ends as a fetch error. The demo turns it on for its loopback fixture web.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Gets or sets the pause between two requests to one host. Default 250 ms (the demo uses none).</summary>
    public TimeSpan PerHostDelay { get; set; } = TimeSpan.FromMilliseconds(250);
}
