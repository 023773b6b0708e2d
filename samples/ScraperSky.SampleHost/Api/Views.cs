using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Api;

/// <summary>A domain as the API shows it.</summary>
public sealed record DomainView(
    long Id, string Domain, DomainExtractionStatus Status, string? ErrorMessage, int? HttpStatus, string? ServerHeader, string? Title,
    string? MetaDescription, string? CanonicalUrl, string? Language, IReadOnlyList<string> EmailAddresses, IReadOnlyList<string> PhoneNumbers,
    SitemapCurationStatus SitemapCurationStatus, SitemapAnalysisStatus? SitemapAnalysisStatus, string? SitemapAnalysisError, int? SitemapsFound,
    DateTimeOffset? UpdatedAt)
{
    public static DomainView From(Domain d) => new(
        d.Id, d.DomainName, d.Status, d.ErrorMessage, d.HttpStatus, d.ServerHeader, d.Title, d.MetaDescription, d.CanonicalUrl, d.Language,
        d.EmailAddresses, d.PhoneNumbers, d.SitemapCurationStatus, d.SitemapAnalysisStatus, d.SitemapAnalysisError, d.SitemapsFound, d.UpdatedAt);
}

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

/// <summary>A page as the API shows it.</summary>
public sealed record PageView(long Id, long DomainId, long SitemapFileId, string Url, DateTimeOffset? LastModified, string? ChangeFrequency, decimal? Priority)
{
    public static PageView From(Page p) => new(p.Id, p.DomainId, p.SitemapFileId, p.Url, p.LastModified, p.ChangeFrequency, p.Priority);
}

/// <summary>A staged place as the API shows it.</summary>
public sealed record PlaceView(long Id, string PlaceId, string Name, SitemapCurationStatus Status, GcpApiDeepScanStatus? DeepScanStatus, string? DeepScanError, DateTimeOffset? DeepScannedAt)
{
    public static PlaceView From(PlaceStaging p) => new(p.Id, p.PlaceId, p.Name, p.Status, p.DeepScanStatus, p.DeepScanError, p.DeepScannedAt);
}

/// <summary>A local business as the API shows it.</summary>
public sealed record LocalBusinessView(
    long Id, string PlaceId, string BusinessName, string? FullAddress, string? Phone, string? WebsiteUrl, decimal? Rating, int? ReviewsCount,
    string? BusinessStatus, IReadOnlyList<string> Types, double? Latitude, double? Longitude)
{
    public static LocalBusinessView From(LocalBusiness b) => new(
        b.Id, b.PlaceId, b.BusinessName, b.FullAddress, b.Phone, b.WebsiteUrl, b.Rating, b.ReviewsCount, b.BusinessStatus, b.Types, b.Latitude, b.Longitude);
}
