namespace ScraperSky.SampleHost.Workflows.DeepScan;

/// <summary>The places-details API the deep scans call (configuration section <c>Places</c>).</summary>
public sealed class PlacesOptions
{
    public const string Section = "Places";

    /// <summary>
    /// Gets or sets the API's base URL; <c>details/json?place_id=…&amp;key=…</c> is appended. Default: the fixture web's
    /// fake API at <c>http://places.test/maps/api/place/</c>.
    /// </summary>
    public Uri BaseUrl { get; set; } = new("http://places.test/maps/api/place/");

    /// <summary>Gets or sets the API key sent with each request. The fake API accepts any.</summary>
    public string ApiKey { get; set; } = "fixture-key";
}
