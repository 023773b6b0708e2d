using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;
using Npgsql.NameTranslation;

namespace ScraperSky.SampleHost.Data;

/// <summary>
/// The PostgreSQL enum types of document 003's authoritative ENUM section, each mapped to its CLR enum. Type names
/// mix CamelCase and snake_case exactly as in the seeds' database, so they are mapped verbatim (no name translation).
/// </summary>
public static class PostgresEnums
{
    private static readonly NpgsqlNullNameTranslator Verbatim = new();

    /// <summary>Maps every enum type on an Npgsql EF Core options builder.</summary>
    public static void MapAll(NpgsqlDbContextOptionsBuilder npgsql) => npgsql
        .MapEnum<DomainExtractionStatus>("DomainExtractionStatusEnum", nameTranslator: Verbatim)
        .MapEnum<SitemapAnalysisStatus>("SitemapAnalysisStatusEnum", nameTranslator: Verbatim)
        .MapEnum<SitemapCurationStatus>("SitemapCurationStatusEnum", nameTranslator: Verbatim)
        .MapEnum<GcpApiDeepScanStatus>("gcp_api_deep_scan_status_enum", nameTranslator: Verbatim)
        .MapEnum<SitemapFileStatus>("sitemap_file_status_enum", nameTranslator: Verbatim)
        .MapEnum<SitemapImportStatus>("sitemap_import_status_enum", nameTranslator: Verbatim)
        .MapEnum<ScraperTaskStatus>("task_status", nameTranslator: Verbatim);
}
