using Npgsql;

namespace ScraperSky.SampleHost.Data;

/// <summary>
/// Creates the sample's schema: a versioned SQL script recorded in <c>schema_versions</c>, so a second start is a no-op.
/// </summary>
public static class SchemaScript
{
    // Version 1 shipped with the first sample; never edit a released version, add a new one.
    private const string Version1 = """
        CREATE TYPE "DomainExtractionStatusEnum" AS ENUM ('Queued', 'Processing', 'Completed', 'Error');
        CREATE TABLE domains (
            id bigserial PRIMARY KEY,
            domain text NOT NULL UNIQUE,
            status "DomainExtractionStatusEnum" NOT NULL DEFAULT 'Queued',
            error_message text,
            tld text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz
        );
        CREATE INDEX domains_status_queued ON domains (id) WHERE status = 'Queued';
        """;

    // Version 2: the seeds' four workflows. Enum types named and labelled exactly as document 003's authoritative
    // ENUM section. Every queued status has a partial index (the claim's WHERE clause matches it), and every
    // processed table carries the optional lease-mode columns of each of its workflows, plus a partial index on the
    // lease expiry of processing rows for the lease rescuer.
    private const string Version2 = """
        CREATE TYPE "SitemapAnalysisStatusEnum" AS ENUM ('Queued', 'Processing', 'Completed', 'Error');
        CREATE TYPE "SitemapCurationStatusEnum" AS ENUM ('New', 'Selected', 'Maybe', 'Not a Fit', 'Archived');
        CREATE TYPE gcp_api_deep_scan_status_enum AS ENUM ('Queued', 'Processing', 'Completed', 'Error');
        CREATE TYPE sitemap_file_status_enum AS ENUM ('Pending', 'Processing', 'Completed', 'Error');
        CREATE TYPE sitemap_import_status_enum AS ENUM ('Queued', 'Processing', 'Completed', 'Error');
        CREATE TYPE task_status AS ENUM ('Queued', 'InProgress', 'Completed', 'Error', 'ManualReview', 'Cancelled', 'Paused');

        ALTER TABLE domains
            ADD COLUMN http_status int,
            ADD COLUMN server_header text,
            ADD COLUMN title text,
            ADD COLUMN meta_description text,
            ADD COLUMN canonical_url text,
            ADD COLUMN language text,
            ADD COLUMN email_addresses text[] NOT NULL DEFAULT '{}',
            ADD COLUMN phone_numbers text[] NOT NULL DEFAULT '{}',
            ADD COLUMN home_page_fetched_at timestamptz,
            ADD COLUMN sitemap_curation_status "SitemapCurationStatusEnum" NOT NULL DEFAULT 'New',
            ADD COLUMN sitemap_analysis_status "SitemapAnalysisStatusEnum",
            ADD COLUMN sitemap_analysis_error text,
            ADD COLUMN sitemaps_found int,
            ADD COLUMN extraction_attempts int NOT NULL DEFAULT 0,
            ADD COLUMN extraction_lease_expires_at timestamptz,
            ADD COLUMN extraction_claimed_by text,
            ADD COLUMN extraction_next_attempt_at timestamptz,
            ADD COLUMN sitemap_analysis_attempts int NOT NULL DEFAULT 0,
            ADD COLUMN sitemap_analysis_lease_expires_at timestamptz,
            ADD COLUMN sitemap_analysis_claimed_by text,
            ADD COLUMN sitemap_analysis_next_attempt_at timestamptz;
        CREATE INDEX domains_sitemap_analysis_queued ON domains (id) WHERE sitemap_analysis_status = 'Queued';
        CREATE INDEX domains_extraction_lease ON domains (extraction_lease_expires_at) WHERE status = 'Processing';
        CREATE INDEX domains_sitemap_analysis_lease ON domains (sitemap_analysis_lease_expires_at) WHERE sitemap_analysis_status = 'Processing';

        CREATE TABLE sitemap_files (
            id bigserial PRIMARY KEY,
            domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
            url text NOT NULL,
            discovered_via text NOT NULL,
            parent_sitemap_file_id bigint REFERENCES sitemap_files (id) ON DELETE SET NULL,
            depth int NOT NULL DEFAULT 0,
            status sitemap_file_status_enum NOT NULL DEFAULT 'Pending',
            analysis_error text,
            url_count int,
            size_bytes bigint,
            is_gzipped boolean,
            is_index boolean,
            http_last_modified text,
            deep_scrape_curation_status "SitemapCurationStatusEnum" NOT NULL DEFAULT 'New',
            sitemap_import_status sitemap_import_status_enum,
            sitemap_import_error text,
            pages_imported int,
            child_sitemaps_queued int,
            last_imported_at timestamptz,
            analysis_attempts int NOT NULL DEFAULT 0,
            analysis_lease_expires_at timestamptz,
            analysis_claimed_by text,
            analysis_next_attempt_at timestamptz,
            import_attempts int NOT NULL DEFAULT 0,
            import_lease_expires_at timestamptz,
            import_claimed_by text,
            import_next_attempt_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz,
            -- Discovery and index imports insert with ON CONFLICT DO NOTHING against this key: no duplicates.
            CONSTRAINT sitemap_files_domain_url UNIQUE (domain_id, url)
        );
        CREATE INDEX sitemap_files_status_pending ON sitemap_files (id) WHERE status = 'Pending';
        CREATE INDEX sitemap_files_import_queued ON sitemap_files (id) WHERE sitemap_import_status = 'Queued';
        CREATE INDEX sitemap_files_analysis_lease ON sitemap_files (analysis_lease_expires_at) WHERE status = 'Processing';
        CREATE INDEX sitemap_files_import_lease ON sitemap_files (import_lease_expires_at) WHERE sitemap_import_status = 'Processing';

        CREATE TABLE pages (
            id bigserial PRIMARY KEY,
            domain_id bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
            sitemap_file_id bigint NOT NULL REFERENCES sitemap_files (id) ON DELETE CASCADE,
            url text NOT NULL,
            lastmod timestamptz,
            changefreq text,
            priority numeric(2, 1),
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz,
            CONSTRAINT pages_domain_url UNIQUE (domain_id, url)
        );
        CREATE INDEX pages_sitemap_file ON pages (sitemap_file_id);

        CREATE TABLE places_staging (
            id bigserial PRIMARY KEY,
            place_id text NOT NULL UNIQUE,
            name text NOT NULL,
            search_query text,
            status "SitemapCurationStatusEnum" NOT NULL DEFAULT 'New',
            deep_scan_status gcp_api_deep_scan_status_enum,
            deep_scan_error text,
            deep_scanned_at timestamptz,
            deep_scan_attempts int NOT NULL DEFAULT 0,
            deep_scan_lease_expires_at timestamptz,
            deep_scan_claimed_by text,
            deep_scan_next_attempt_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz
        );
        CREATE INDEX places_staging_deep_scan_queued ON places_staging (id) WHERE deep_scan_status = 'Queued';
        CREATE INDEX places_staging_deep_scan_lease ON places_staging (deep_scan_lease_expires_at) WHERE deep_scan_status = 'Processing';

        CREATE TABLE local_businesses (
            id bigserial PRIMARY KEY,
            place_id text NOT NULL UNIQUE,
            business_name text NOT NULL,
            full_address text,
            phone text,
            website_url text,
            rating numeric(2, 1),
            reviews_count int,
            business_status text,
            types text[] NOT NULL DEFAULT '{}',
            latitude double precision,
            longitude double precision,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz
        );
        """;

    private static readonly (int Version, string Sql)[] Migrations = [(1, Version1), (2, Version2)];

    /// <summary>Gets the newest schema version this host knows.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies the migrations the database has not seen yet, each in its own transaction.</summary>
    public static async Task ApplyAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var ensure = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS schema_versions (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", connection))
        {
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var (version, sql) in Migrations)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Serialises concurrent first starts of several hosts on one database.
            await using (var lockVersions = new NpgsqlCommand("LOCK TABLE schema_versions IN EXCLUSIVE MODE", connection, transaction))
            {
                await lockVersions.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var check = new NpgsqlCommand("SELECT count(*) FROM schema_versions WHERE version = @v", connection, transaction);
            check.Parameters.AddWithValue("v", version);
            if ((long)(await check.ExecuteScalarAsync(cancellationToken))! > 0)
            {
                await transaction.CommitAsync(cancellationToken);
                continue;
            }

            await using (var apply = new NpgsqlCommand(sql, connection, transaction))
            {
                await apply.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = new NpgsqlCommand("INSERT INTO schema_versions (version) VALUES (@v)", connection, transaction))
            {
                record.Parameters.AddWithValue("v", version);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }
}
