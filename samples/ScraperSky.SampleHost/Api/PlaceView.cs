using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Api;

/// <summary>A staged place as the API shows it.</summary>
public sealed record PlaceView(long Id, string PlaceId, string Name, SitemapCurationStatus Status, GcpApiDeepScanStatus? DeepScanStatus, string? DeepScanError, DateTimeOffset? DeepScannedAt)
{
    public static PlaceView From(PlaceStaging p) => new(p.Id, p.PlaceId, p.Name, p.Status, p.DeepScanStatus, p.DeepScanError, p.DeepScannedAt);
}
