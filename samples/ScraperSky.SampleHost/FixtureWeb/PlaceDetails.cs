using System.Text.Json.Serialization;

namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>The <c>result</c> object of the fake places-details API, with the real API's field names.</summary>
public sealed record PlaceDetails(
    [property: JsonPropertyName("place_id")] string PlaceId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("formatted_address")] string FormattedAddress,
    [property: JsonPropertyName("formatted_phone_number")] string PhoneNumber,
    [property: JsonPropertyName("website")] string Website,
    [property: JsonPropertyName("rating")] decimal Rating,
    [property: JsonPropertyName("user_ratings_total")] int UserRatingsTotal,
    [property: JsonPropertyName("business_status")] string BusinessStatus,
    [property: JsonPropertyName("types")] IReadOnlyList<string> Types,
    [property: JsonPropertyName("geometry")] PlaceGeometry Geometry);

/// <summary>The <c>geometry</c> object of a place.</summary>
public sealed record PlaceGeometry([property: JsonPropertyName("location")] PlaceLocation Location);

/// <summary>A place's coordinates.</summary>
public sealed record PlaceLocation(
    [property: JsonPropertyName("lat")] double Latitude,
    [property: JsonPropertyName("lng")] double Longitude);
