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
