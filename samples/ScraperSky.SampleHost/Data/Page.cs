namespace ScraperSky.SampleHost.Data;

/// <summary>A row of <c>pages</c>: a page URL a sitemap listed, with the sitemap's hints about it.</summary>
public sealed class Page
{
    public long Id { get; set; }

    public long DomainId { get; set; }

    public long SitemapFileId { get; set; }

    public string Url { get; set; } = string.Empty;

    public DateTimeOffset? LastModified { get; set; }

    public string? ChangeFrequency { get; set; }

    public decimal? Priority { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }
}
