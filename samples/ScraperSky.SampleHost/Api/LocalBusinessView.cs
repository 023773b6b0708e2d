using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Api;

/// <summary>A local business as the API shows it.</summary>
public sealed record LocalBusinessView(
    long Id, string PlaceId, string BusinessName, string? FullAddress, string? Phone, string? WebsiteUrl, decimal? Rating, int? ReviewsCount,
    string? BusinessStatus, IReadOnlyList<string> Types, double? Latitude, double? Longitude)
{
    public static LocalBusinessView From(LocalBusiness b) => new(
        b.Id, b.PlaceId, b.BusinessName, b.FullAddress, b.Phone, b.WebsiteUrl, b.Rating, b.ReviewsCount, b.BusinessStatus, b.Types, b.Latitude, b.Longitude);
}
