namespace ScraperSky.SampleHost.Data;

/// <summary>A row of <c>local_businesses</c>: the details a deep scan fetched for a place, one row per place id.</summary>
public sealed class LocalBusiness
{
    public long Id { get; set; }

    public string PlaceId { get; set; } = string.Empty;

    public string BusinessName { get; set; } = string.Empty;

    public string? FullAddress { get; set; }

    public string? Phone { get; set; }

    public string? WebsiteUrl { get; set; }

    public decimal? Rating { get; set; }

    public int? ReviewsCount { get; set; }

    public string? BusinessStatus { get; set; }

    public List<string> Types { get; set; } = [];

    public double? Latitude { get; set; }

    public double? Longitude { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }
}
