using System.Text.Json.Serialization;

namespace ScraperSky.SampleHost.Workflows.DeepScan;

/// <summary>The places-details API's answer: a status and, when it is <c>OK</c>, the result.</summary>
internal sealed record PlaceDetailsResponse(
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("error_message")] string? ErrorMessage,
    [property: JsonPropertyName("result")] PlaceDetailsResult? Result);

/// <summary>The fields of a place the deep scan keeps.</summary>
internal sealed record PlaceDetailsResult(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("formatted_address")] string? FormattedAddress,
    [property: JsonPropertyName("formatted_phone_number")] string? PhoneNumber,
    [property: JsonPropertyName("website")] string? Website,
    [property: JsonPropertyName("rating")] decimal? Rating,
    [property: JsonPropertyName("user_ratings_total")] int? UserRatingsTotal,
    [property: JsonPropertyName("business_status")] string? BusinessStatus,
    [property: JsonPropertyName("types")] IReadOnlyList<string>? Types,
    [property: JsonPropertyName("geometry")] PlaceDetailsGeometry? Geometry);

internal sealed record PlaceDetailsGeometry([property: JsonPropertyName("location")] PlaceDetailsLocation? Location);

internal sealed record PlaceDetailsLocation([property: JsonPropertyName("lat")] double? Latitude, [property: JsonPropertyName("lng")] double? Longitude);
