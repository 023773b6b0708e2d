using Npgsql;

namespace ScraperSky.SampleHost.Data;

/// <summary>
/// Creates the sample's schema: a versioned SQL script recorded in <c>schema_versions</c>, so a second start is a no-op.
/// </summary>
public static class SchemaScript
{
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

    private static readonly (int Version, string Sql)[] Migrations = [(1, Version1)];

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
