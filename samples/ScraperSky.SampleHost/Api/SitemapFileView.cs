using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Api;

/// <summary>A sitemap file as the API shows it.</summary>
public sealed record SitemapFileView(
    long Id, long DomainId, string Url, string DiscoveredVia, long? ParentSitemapFileId, int Depth,
    SitemapFileStatus Status, string? AnalysisError, int? UrlCount, long? SizeBytes, bool? IsGzipped, bool? IsIndex,
    SitemapCurationStatus DeepScrapeCurationStatus, SitemapImportStatus? SitemapImportStatus, string? SitemapImportError,
    int? PagesImported, int? ChildSitemapsQueued)
{
    public static SitemapFileView From(SitemapFile f) => new(
        f.Id, f.DomainId, f.Url, f.DiscoveredVia, f.ParentSitemapFileId, f.Depth, f.Status, f.AnalysisError, f.UrlCount, f.SizeBytes,
        f.IsGzipped, f.IsIndex, f.DeepScrapeCurationStatus, f.SitemapImportStatus, f.SitemapImportError, f.PagesImported, f.ChildSitemapsQueued);
}
