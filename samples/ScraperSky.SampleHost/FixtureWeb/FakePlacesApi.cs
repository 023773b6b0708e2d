using Microsoft.Extensions.Options;

namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>
/// A local stand-in for a places-details API (<c>GET /maps/api/place/details/json?place_id=…</c>), shaped like
/// the real one: <c>{"status":"OK","result":{…}}</c>. Place ids containing <c>missing</c> answer
/// <c>NOT_FOUND</c>, <c>error</c> answer HTTP 500, <c>slow</c> never answer in time.
/// </summary>
public sealed class FakePlacesApi(SyntheticWeb web, IOptions<FixtureWebOptions> options)
{
    public const string DetailsPath = "/maps/api/place/details/json";

    private static readonly string[] Streets = ["Main St", "Oak Ave", "Congress Ave", "Elm St", "Lamar Blvd", "5th St"];
    private static readonly string[] TypeSets = ["dentist,health", "plumber,home_goods_store", "bakery,food,store", "lawyer", "veterinary_care", "cafe,food"];

    public async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path != DetailsPath)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var placeId = context.Request.Query["place_id"].ToString();
        if (string.IsNullOrWhiteSpace(placeId))
        {
            await context.Response.WriteAsJsonAsync(new { status = "INVALID_REQUEST", error_message = "place_id is required" });
            return;
        }

        if (placeId.Contains("slow", StringComparison.Ordinal))
        {
            await Task.Delay(options.Value.SlowResponse, context.RequestAborted);
        }

        if (placeId.Contains("error", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("upstream failure", context.RequestAborted);
            return;
        }

        if (placeId.Contains("missing", StringComparison.Ordinal))
        {
            await context.Response.WriteAsJsonAsync(new { status = "NOT_FOUND" }, context.RequestAborted);
            return;
        }

        await context.Response.WriteAsJsonAsync(new { status = "OK", result = Details(placeId) }, context.RequestAborted);
    }

    /// <summary>The details the API returns for <paramref name="placeId"/> (tests compare against them).</summary>
    public PlaceDetails Details(string placeId)
    {
        var random = web.RandomFor("place", placeId);
        var site = web.Site($"standard-{random.Next(1, 100)}{web.HostSuffix}")!;
        return new PlaceDetails(
            placeId,
            site.Title,
            $"{random.Next(100, 9999)} {Streets[random.Next(Streets.Length)]}, Austin, TX 787{random.Next(10, 99)}, USA",
            site.Phones[0],
            site.HomePage.ToString(),
            Math.Round(1 + (random.Next(0, 41) / 10m), 1),
            random.Next(0, 2000),
            random.Next(10) == 0 ? "CLOSED_TEMPORARILY" : "OPERATIONAL",
            TypeSets[random.Next(TypeSets.Length)].Split(','),
            new PlaceGeometry(new PlaceLocation(Math.Round(30.2 + (random.NextDouble() / 10), 6), Math.Round(-97.8 + (random.NextDouble() / 10), 6))));
    }
}
