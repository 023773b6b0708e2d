using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Api;

/// <summary>A page as the API shows it.</summary>
public sealed record PageView(long Id, long DomainId, long SitemapFileId, string Url, DateTimeOffset? LastModified, string? ChangeFrequency, decimal? Priority)
{
    public static PageView From(Page p) => new(p.Id, p.DomainId, p.SitemapFileId, p.Url, p.LastModified, p.ChangeFrequency, p.Priority);
}
