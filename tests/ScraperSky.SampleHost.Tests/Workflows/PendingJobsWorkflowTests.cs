using Microsoft.EntityFrameworkCore;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.FixtureWeb;
using ScraperSky.SampleHost.Tests.Infrastructure;

namespace ScraperSky.SampleHost.Tests.Workflows;

/// <summary>
/// <c>process_pending_jobs</c> end to end, both halves: deep scans of <c>places_staging</c> against the fake places
/// API into <c>local_businesses</c>, and the legacy sitemap jobs that measure <c>sitemap_files</c>.
/// </summary>
public sealed class PendingJobsWorkflowTests(SampleHostFixture host) : IClassFixture<SampleHostFixture>
{
    [Fact]
    public async Task DeepScan_KnownPlace_UpsertsLocalBusinessWithTheApiDetails()
    {
        var id = await AddSelectedPlaceAsync("place-test-ok-1");

        var place = await ScannedPlaceAsync(id);

        place.DeepScanStatus.Should().Be(GcpApiDeepScanStatus.Completed, place.DeepScanError);
        place.DeepScannedAt.Should().NotBeNull();
        var expected = host.App.Services.GetRequiredService<FakePlacesApi>().Details("place-test-ok-1");
        var business = await host.QueryAsync(db => db.LocalBusinesses.AsNoTracking().SingleAsync(b => b.PlaceId == "place-test-ok-1"));
        business.BusinessName.Should().Be(expected.Name);
        business.FullAddress.Should().Be(expected.FormattedAddress);
        business.Phone.Should().Be(expected.PhoneNumber);
        business.WebsiteUrl.Should().Be(expected.Website);
        business.Rating.Should().Be(expected.Rating);
        business.ReviewsCount.Should().Be(expected.UserRatingsTotal);
        business.BusinessStatus.Should().Be(expected.BusinessStatus);
        business.Types.Should().Equal(expected.Types);
        business.Latitude.Should().Be(expected.Geometry.Location.Latitude);
        business.Longitude.Should().Be(expected.Geometry.Location.Longitude);
    }

    [Fact]
    public async Task DeepScan_SamePlaceTwice_UpdatesTheOneBusinessRow()
    {
        var id = await AddSelectedPlaceAsync("place-test-ok-2");
        await ScannedPlaceAsync(id);

        await host.SqlAsync("UPDATE local_businesses SET business_name = 'stale' WHERE place_id = 'place-test-ok-2'");
        await host.SqlAsync("UPDATE places_staging SET deep_scan_status = 'Queued' WHERE id = @p0", id);
        (await ScannedPlaceAsync(id)).DeepScanStatus.Should().Be(GcpApiDeepScanStatus.Completed);

        var rows = await host.QueryAsync(db => db.LocalBusinesses.AsNoTracking().Where(b => b.PlaceId == "place-test-ok-2").ToListAsync());
        rows.Should().ContainSingle().Which.BusinessName.Should().NotBe("stale");
    }

    [Theory]
    [InlineData("place-test-missing-3", "places API answered NOT_FOUND for place_id place-test-missing-3")]
    [InlineData("place-test-error-3", "HTTP 500 Internal Server Error fetching http://places.test/maps/api/place/details/json?place_id=place-test-error-3&key=fixture-key")]
    [InlineData("place-test-slow-3", "timed out after 2 s fetching http://places.test/maps/api/place/details/json?place_id=place-test-slow-3&key=fixture-key")]
    public async Task DeepScan_ApiFailure_EndsAsErrorWithReason(string placeId, string reason)
    {
        var place = await ScannedPlaceAsync(await AddSelectedPlaceAsync(placeId));

        place.DeepScanStatus.Should().Be(GcpApiDeepScanStatus.Error);
        place.DeepScanError.Should().Be(reason);
        (await host.SqlAsync("SELECT count(*) FROM local_businesses WHERE place_id = @p0", placeId)).Should().Be(0L);
    }

    [Theory]
    [InlineData(SiteKind.WellKnown, 4, "/sitemap.xml", false, false)]
    [InlineData(SiteKind.Standard, 4, "/sitemaps/posts.xml.gz", true, false)]
    [InlineData(SiteKind.Standard, 5, "/sitemap_index.xml", false, true)]
    public async Task LegacySitemapJob_Pending_MeasuresTheFile(SiteKind kind, int number, string path, bool gzipped, bool index)
    {
        var name = host.Web.HostFor(kind, number);
        var domainId = await host.AddDomainAsync(name, queueExtraction: false);
        var fileId = await host.AddSitemapFileAsync(domainId, $"http://{name}{path}", queueImport: false, queueAnalysis: true);

        var file = await AnalysedFileAsync(fileId);

        file.Status.Should().Be(SitemapFileStatus.Completed, file.AnalysisError);
        file.IsGzipped.Should().Be(gzipped);
        file.IsIndex.Should().Be(index);
        file.UrlCount.Should().Be(index ? 2 : host.Web.UrlSet(name, path).Count);
        file.SizeBytes.Should().BePositive();
        (await host.SqlAsync("SELECT count(*) FROM pages WHERE sitemap_file_id = @p0", fileId)).Should().Be(0L, "the legacy job measures; only imports record pages");
    }

    [Fact]
    public async Task LegacySitemapJob_MalformedFile_EndsAsErrorWithReason()
    {
        var name = host.Web.HostFor(SiteKind.MalformedSitemap, 6);
        var domainId = await host.AddDomainAsync(name, queueExtraction: false);
        var fileId = await host.AddSitemapFileAsync(domainId, $"http://{name}/sitemap.xml", queueImport: false, queueAnalysis: true);

        var file = await AnalysedFileAsync(fileId);

        file.Status.Should().Be(SitemapFileStatus.Error);
        file.AnalysisError.Should().StartWith("malformed XML at line 3: ");
    }

    private async Task<long> AddSelectedPlaceAsync(string placeId)
        => (long)(await host.SqlAsync(
            "INSERT INTO places_staging (place_id, name, status, deep_scan_status) VALUES (@p0, 'test place', 'Selected', 'Queued') RETURNING id", placeId))!;

    private Task<PlaceStaging> ScannedPlaceAsync(long id)
        => Eventually.UntilAsync(
            () => host.QueryAsync(db => db.PlacesStaging.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && (p.DeepScanStatus == GcpApiDeepScanStatus.Completed || p.DeepScanStatus == GcpApiDeepScanStatus.Error))),
            $"deep scan of place {id}");

    private Task<SitemapFile> AnalysedFileAsync(long id)
        => Eventually.UntilAsync(
            () => host.QueryAsync(db => db.SitemapFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id && (f.Status == SitemapFileStatus.Completed || f.Status == SitemapFileStatus.Error))),
            $"legacy sitemap job of file {id}");
}
