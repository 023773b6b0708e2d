using System.Text.Json;
using Microsoft.Extensions.Options;
using ScraperSky.SampleHost.Http;

namespace ScraperSky.SampleHost.Workflows.DeepScan;

/// <summary>Calls the places-details API through the crawler's fetcher (same timeout, size cap and politeness).</summary>
public sealed class PlacesDetailsClient(PageFetcher fetcher, IOptions<PlacesOptions> options)
{
    /// <exception cref="FetchException">The API could not be reached or answered with an error status.</exception>
    /// <exception cref="PlacesApiException">The API answered without details.</exception>
    internal async Task<PlaceDetailsResult> GetDetailsAsync(string placeId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var url = new Uri(settings.BaseUrl, $"details/json?place_id={Uri.EscapeDataString(placeId)}&key={Uri.EscapeDataString(settings.ApiKey)}");
        var fetch = await fetcher.GetAsync(url, cancellationToken);
        PlaceDetailsResponse? response;
        try
        {
            response = JsonSerializer.Deserialize<PlaceDetailsResponse>(fetch.Body);
        }
        catch (JsonException ex)
        {
            throw new PlacesApiException($"places API answered malformed JSON for place_id {placeId}: {ex.Message}", ex);
        }

        if (response?.Status != "OK" || response.Result is null || string.IsNullOrWhiteSpace(response.Result.Name))
        {
            var detail = response?.ErrorMessage is { } message ? $" ({message})" : string.Empty;
            throw new PlacesApiException($"places API answered {response?.Status ?? "nothing"} for place_id {placeId}{detail}");
        }

        return response.Result;
    }
}
