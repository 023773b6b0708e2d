using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using ScraperSky.SampleHost.Curation;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.FixtureWeb;

namespace ScraperSky.SampleHost.Demo;

/// <summary>
/// Queues the work of a run: domains (queued for metadata, and selected for sitemap analysis through the curation
/// service, as a person would) and places (selected for deep scans). Rows that already exist are left alone, so a
/// second start on the same database queues nothing new.
/// </summary>
public static class DemoSeeder
{
    /// <summary>Seeds the demo's synthetic domains and places, or the given real domains.</summary>
    public static async Task<(int Domains, int Places)> SeedAsync(IServiceProvider services, IReadOnlyList<string> realDomains, bool demo, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ScraperSkyDb>();
        var curation = scope.ServiceProvider.GetRequiredService<CurationService>();
        var web = scope.ServiceProvider.GetRequiredService<SyntheticWeb>();
        var fixture = scope.ServiceProvider.GetRequiredService<IOptions<FixtureWebOptions>>().Value;

        var names = realDomains.Select(d => d.Trim().ToLowerInvariant()).ToList();
        var places = new List<(string PlaceId, string Name)>();
        if (demo)
        {
            names.AddRange(web.GeneratedHosts);
            places.AddRange(web.Places(fixture.Places));
        }

        var newDomains = await db.Database.SqlQueryRaw<long>(
                "INSERT INTO domains (domain, status) SELECT d, 'Queued'::\"DomainExtractionStatusEnum\" FROM unnest(@names) AS d ON CONFLICT (domain) DO NOTHING RETURNING id AS \"Value\"",
                new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = names.Distinct().ToArray() })
            .ToListAsync(cancellationToken);
        if (newDomains.Count > 0)
        {
            await curation.CurateDomainsAsync(newDomains, SitemapCurationStatus.Selected, cancellationToken);
        }

        var newPlaces = await db.Database.SqlQueryRaw<long>(
                "INSERT INTO places_staging (place_id, name, search_query) SELECT p, n, 'demo' FROM unnest(@ids, @names) AS x(p, n) ON CONFLICT (place_id) DO NOTHING RETURNING id AS \"Value\"",
                new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = places.Select(p => p.PlaceId).ToArray() },
                new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = places.Select(p => p.Name).ToArray() })
            .ToListAsync(cancellationToken);
        if (newPlaces.Count > 0)
        {
            await curation.CuratePlacesAsync(newPlaces, SitemapCurationStatus.Selected, cancellationToken);
        }

        return (newDomains.Count, newPlaces.Count);
    }
}
