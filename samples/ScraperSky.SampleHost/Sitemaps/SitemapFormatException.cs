namespace ScraperSky.SampleHost.Sitemaps;

/// <summary>A sitemap body that is not a usable sitemap; the message is the reason a person reads on the row.</summary>
public sealed class SitemapFormatException(string message, Exception? innerException = null) : Exception(message, innerException);
