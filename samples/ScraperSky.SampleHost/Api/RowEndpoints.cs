using Microsoft.EntityFrameworkCore;
using ScraperSky.SampleHost.Curation;
using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Api;

/// <summary>
/// The routers over the application's rows: list and filter by status with paging, read one row, and the batch
/// curation updates that queue processing (the seeds' dual status), which need the dev-tools key (<see cref="DevToolsKey"/>).
/// </summary>
internal static class RowEndpoints
{
    public static IEndpointRouteBuilder MapRowEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        api.MapGet("/domains", async (HttpRequest request, ScraperSkyDb db, CancellationToken ct) =>
        {
            var query = new QueryReader(request);
            var status = query.Enum<DomainExtractionStatus>("status");
            var analysis = query.Enum<SitemapAnalysisStatus>("sitemapAnalysisStatus");
            var curation = query.Enum<SitemapCurationStatus>("sitemapCurationStatus");
            var (page, size) = query.Paging();
            if (query.Error is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            var rows = db.Domains.AsNoTracking().OrderBy(d => d.Id).AsQueryable();
            rows = status is { } s ? rows.Where(d => d.Status == s) : rows;
            rows = analysis is { } a ? rows.Where(d => d.SitemapAnalysisStatus == a) : rows;
            rows = curation is { } c ? rows.Where(d => d.SitemapCurationStatus == c) : rows;
            return Results.Ok(await query.PageAsync(rows, page, size, DomainView.From, ct));
        });

        api.MapGet("/domains/{id:long}", async (long id, ScraperSkyDb db, CancellationToken ct)
            => await db.Domains.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) is { } domain
                ? Results.Ok(DomainView.From(domain))
                : Results.NotFound(new ApiError($"no domain has id {id}")));

        api.MapPut("/domains/sitemap-curation", (CurationRequest? body, CurationService curation, CancellationToken ct)
            => CurateAsync(body, "domain", (ids, status) => curation.CurateDomainsAsync(ids, status, ct)))
            .RequireDevToolsKey();

        api.MapGet("/sitemap-files", async (HttpRequest request, ScraperSkyDb db, CancellationToken ct) =>
        {
            var query = new QueryReader(request);
            var domainId = query.Id("domainId");
            var status = query.Enum<SitemapFileStatus>("status");
            var import = query.Enum<SitemapImportStatus>("importStatus");
            var curation = query.Enum<SitemapCurationStatus>("curationStatus");
            var (page, size) = query.Paging();
            if (query.Error is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            var rows = db.SitemapFiles.AsNoTracking().OrderBy(f => f.Id).AsQueryable();
            rows = domainId is { } d ? rows.Where(f => f.DomainId == d) : rows;
            rows = status is { } s ? rows.Where(f => f.Status == s) : rows;
            rows = import is { } i ? rows.Where(f => f.SitemapImportStatus == i) : rows;
            rows = curation is { } c ? rows.Where(f => f.DeepScrapeCurationStatus == c) : rows;
            return Results.Ok(await query.PageAsync(rows, page, size, SitemapFileView.From, ct));
        });

        api.MapGet("/sitemap-files/{id:long}", async (long id, ScraperSkyDb db, CancellationToken ct)
            => await db.SitemapFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id, ct) is { } file
                ? Results.Ok(SitemapFileView.From(file))
                : Results.NotFound(new ApiError($"no sitemap file has id {id}")));

        api.MapPut("/sitemap-files/curation", (CurationRequest? body, CurationService curation, CancellationToken ct)
            => CurateAsync(body, "sitemap file", (ids, status) => curation.CurateSitemapFilesAsync(ids, status, ct)))
            .RequireDevToolsKey();

        api.MapGet("/pages", async (HttpRequest request, ScraperSkyDb db, CancellationToken ct) =>
        {
            var query = new QueryReader(request);
            var domainId = query.Id("domainId");
            var sitemapFileId = query.Id("sitemapFileId");
            var (page, size) = query.Paging();
            if (query.Error is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            var rows = db.Pages.AsNoTracking().OrderBy(p => p.Id).AsQueryable();
            rows = domainId is { } d ? rows.Where(p => p.DomainId == d) : rows;
            rows = sitemapFileId is { } f ? rows.Where(p => p.SitemapFileId == f) : rows;
            return Results.Ok(await query.PageAsync(rows, page, size, PageView.From, ct));
        });

        api.MapGet("/places-staging", async (HttpRequest request, ScraperSkyDb db, CancellationToken ct) =>
        {
            var query = new QueryReader(request);
            var status = query.Enum<SitemapCurationStatus>("status");
            var deepScan = query.Enum<GcpApiDeepScanStatus>("deepScanStatus");
            var (page, size) = query.Paging();
            if (query.Error is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            var rows = db.PlacesStaging.AsNoTracking().OrderBy(p => p.Id).AsQueryable();
            rows = status is { } s ? rows.Where(p => p.Status == s) : rows;
            rows = deepScan is { } d ? rows.Where(p => p.DeepScanStatus == d) : rows;
            return Results.Ok(await query.PageAsync(rows, page, size, PlaceView.From, ct));
        });

        api.MapPut("/places-staging/status", (CurationRequest? body, CurationService curation, CancellationToken ct)
            => CurateAsync(body, "place", (ids, status) => curation.CuratePlacesAsync(ids, status, ct)))
            .RequireDevToolsKey();

        api.MapGet("/local-businesses", async (HttpRequest request, ScraperSkyDb db, CancellationToken ct) =>
        {
            var query = new QueryReader(request);
            var (page, size) = query.Paging();
            if (query.Error is { } error)
            {
                return Results.BadRequest(new ApiError(error));
            }

            return Results.Ok(await query.PageAsync(db.LocalBusinesses.AsNoTracking().OrderBy(b => b.Id), page, size, LocalBusinessView.From, ct));
        });

        return app;
    }

    private static async Task<IResult> CurateAsync(CurationRequest? body, string noun, Func<long[], SitemapCurationStatus, Task<CurationResult>> curate)
    {
        if (body is null)
        {
            return Results.BadRequest(new ApiError("a JSON body {\"ids\": [...], \"status\": \"Selected\"} is required"));
        }

        if (body.Validate(out var status) is { } problem)
        {
            return Results.BadRequest(new ApiError(problem));
        }

        var result = await curate(body.Ids!, status);
        return result.UnknownIds.Count > 0
            ? Results.NotFound(new ApiError($"no {noun} has id {string.Join(", ", result.UnknownIds)}; nothing was changed"))
            : Results.Ok(new { updated = result.Updated, queued = result.Queued });
    }
}
