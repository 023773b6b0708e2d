using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Http;

namespace ScraperSky.SampleHost.Workflows.DeepScan;

/// <summary>
/// <c>process_single_places_staging_for_sitemap_scheduler</c>, the deep-scan job of <c>process_pending_jobs</c>
/// (<c>places_staging.deep_scan_status</c>): fetches the place's details from the places API and upserts its
/// <c>local_businesses</c> row (one per place id, so a repeated scan updates rather than duplicates).
/// </summary>
public sealed class PlaceDeepScanProcessor(PlacesDetailsClient places, ScraperSkyDb db, TimeProvider time) : IStatusItemProcessor<PlaceStaging>
{
    private const string UpsertSql = """
        INSERT INTO local_businesses (place_id, business_name, full_address, phone, website_url, rating, reviews_count, business_status, types, latitude, longitude)
        VALUES (@place_id, @name, @address, @phone, @website, @rating, @reviews, @business_status, @types, @lat, @lng)
        ON CONFLICT (place_id) DO UPDATE SET
            business_name = excluded.business_name, full_address = excluded.full_address, phone = excluded.phone,
            website_url = excluded.website_url, rating = excluded.rating, reviews_count = excluded.reviews_count,
            business_status = excluded.business_status, types = excluded.types, latitude = excluded.latitude,
            longitude = excluded.longitude, updated_at = now()
        """;

    public async ValueTask<ItemResult> ProcessAsync(PlaceStaging item, StatusItemContext context, CancellationToken cancellationToken)
    {
        PlaceDetailsResult details;
        try
        {
            details = await places.GetDetailsAsync(item.PlaceId, cancellationToken);
        }
        catch (Exception ex) when (ex is FetchException or PlacesApiException)
        {
            return ItemResult.Failed(ex.Message);
        }

        await db.Database.ExecuteSqlRawAsync(
            UpsertSql,
            [
                new NpgsqlParameter("place_id", item.PlaceId),
                new NpgsqlParameter("name", details.Name),
                Nullable("address", NpgsqlDbType.Text, details.FormattedAddress),
                Nullable("phone", NpgsqlDbType.Text, details.PhoneNumber),
                Nullable("website", NpgsqlDbType.Text, details.Website),
                Nullable("rating", NpgsqlDbType.Numeric, details.Rating),
                Nullable("reviews", NpgsqlDbType.Integer, details.UserRatingsTotal),
                Nullable("business_status", NpgsqlDbType.Text, details.BusinessStatus),
                new NpgsqlParameter("types", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = details.Types?.ToArray() ?? [] },
                Nullable("lat", NpgsqlDbType.Double, details.Geometry?.Location?.Latitude),
                Nullable("lng", NpgsqlDbType.Double, details.Geometry?.Location?.Longitude),
            ],
            cancellationToken);
        item.DeepScannedAt = item.UpdatedAt = time.GetUtcNow();
        return ItemResult.Completed;
    }

    private static NpgsqlParameter Nullable(string name, NpgsqlDbType type, object? value)
        => new(name, type) { Value = value ?? DBNull.Value };
}
