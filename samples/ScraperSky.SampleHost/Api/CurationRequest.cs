using ScraperSky.SampleHost.Data;

namespace ScraperSky.SampleHost.Api;

/// <summary>The body of a batch curation update: the row ids and the curation status to set on them.</summary>
public sealed record CurationRequest(long[]? Ids, string? Status)
{
    public const int MaxIds = 1000;

    /// <summary>Returns the problem with this request, or <see langword="null"/> when it is valid.</summary>
    public string? Validate(out SitemapCurationStatus status)
    {
        status = default;
        if (Ids is null || Ids.Length == 0)
        {
            return "ids must list at least one id";
        }

        if (Ids.Length > MaxIds)
        {
            return $"ids may list at most {MaxIds} ids, not {Ids.Length}";
        }

        if (Ids.Any(id => id <= 0))
        {
            return "ids must be positive whole numbers";
        }

        if (string.IsNullOrWhiteSpace(Status))
        {
            return $"status is required: one of {string.Join(", ", EnumLabels<SitemapCurationStatus>.All)}";
        }

        return EnumLabels<SitemapCurationStatus>.TryParse(Status, out status) ? null : EnumLabels<SitemapCurationStatus>.Invalid("status", Status);
    }
}
