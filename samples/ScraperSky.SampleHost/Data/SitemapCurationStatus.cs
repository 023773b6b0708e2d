using System.Text.Json.Serialization;
using NpgsqlTypes;

namespace ScraperSky.SampleHost.Data;

/// <summary>
/// The seeds' <c>SitemapCurationStatusEnum</c>: the curation half of the "dual status" on domains, sitemap files and
/// places. Setting <see cref="Selected"/> queues the row's processing status in the same transaction.
/// </summary>
public enum SitemapCurationStatus
{
    New,
    Selected,
    Maybe,

    // The database label has spaces; the attributes keep the PostgreSQL enum and the JSON API on that exact label.
    [PgName("Not a Fit")]
    [JsonStringEnumMemberName("Not a Fit")]
    NotAFit,
    Archived,
}
