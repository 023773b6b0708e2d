using System.Globalization;
using System.Text;
using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.History;

/// <summary>
/// The SQL of the history rollup in the library's own schema: its DDL (idempotent), the per-minute upsert that adds a
/// host's increments to what other hosts wrote, the failure-group upsert, the elected retention delete and the two
/// reads. Generated once per schema name; every statement runs alone (autocommit), so it works through a
/// transaction-mode pooler. Times are parameters from the host's clock, which attributes its counts to minutes.
/// </summary>
internal sealed class HistorySql
{
    public HistorySql(string schema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        Schema = schema;
        var s = SqlIdentifier.Quote(schema);
        Minutes = s + ".history_minutes";
        Errors = s + ".history_errors";
        var n = HistoryBuckets.Count;

        // The advisory lock makes hosts that start together take turns: CREATE … IF NOT EXISTS races with itself.
        Ddl = $"""
            SELECT pg_advisory_xact_lock(hashtext({SqlLiteral.Text("scrapersky_pipeline history schema " + schema)}));
            CREATE SCHEMA IF NOT EXISTS {s};
            CREATE TABLE IF NOT EXISTS {Minutes} (
                workflow text NOT NULL,
                minute timestamptz NOT NULL,
                completed bigint NOT NULL DEFAULT 0,
                failed bigint NOT NULL DEFAULT 0,
                retried bigint NOT NULL DEFAULT 0,
                snoozed bigint NOT NULL DEFAULT 0,
                rescued bigint NOT NULL DEFAULT 0,
                wait_buckets bigint[] NOT NULL,
                wait_max_ms double precision NOT NULL DEFAULT 0,
                processing_buckets bigint[] NOT NULL,
                processing_max_ms double precision NOT NULL DEFAULT 0,
                PRIMARY KEY (workflow, minute));
            CREATE INDEX IF NOT EXISTS history_minutes_minute ON {Minutes} (minute);
            COMMENT ON TABLE {Minutes} IS {SqlLiteral.Text("ScraperSky.Pipeline history: per workflow and minute, items by outcome and wait/processing times in fixed buckets (upper bounds in ms: " + string.Join(", ", HistoryBuckets.Bounds.Select(b => b.ToString(CultureInfo.InvariantCulture))) + ", then above). Hosts add their increments; merge by adding.")};
            CREATE TABLE IF NOT EXISTS {Errors} (
                workflow text NOT NULL,
                message text NOT NULL,
                hour timestamptz NOT NULL,
                failures bigint NOT NULL,
                first_seen timestamptz NOT NULL,
                last_seen timestamptz NOT NULL,
                sample_keys text[] NOT NULL,
                PRIMARY KEY (workflow, message, hour));
            CREATE INDEX IF NOT EXISTS history_errors_hour ON {Errors} (hour);
            COMMENT ON TABLE {Errors} IS 'ScraperSky.Pipeline history: failed attempts per workflow, normalised message and hour, with first and last seen and a few sample row keys.';
            """;

        // One statement for every workflow of the host: row n's buckets are the n-th slice of the flattened arrays.
        UpsertMinutes = $"""
            INSERT INTO {Minutes} AS h (workflow, minute, completed, failed, retried, snoozed, rescued, wait_buckets, wait_max_ms, processing_buckets, processing_max_ms)
            SELECT u.workflow, u.minute, u.completed, u.failed, u.retried, u.snoozed, u.rescued,
                   (@wait::bigint[])[(u.n - 1) * {n} + 1 : u.n * {n}], u.wait_max,
                   (@processing::bigint[])[(u.n - 1) * {n} + 1 : u.n * {n}], u.processing_max
            FROM unnest(@workflow::text[], @minute::timestamptz[], @completed::bigint[], @failed::bigint[], @retried::bigint[],
                        @snoozed::bigint[], @rescued::bigint[], @wait_max::float8[], @processing_max::float8[])
                 WITH ORDINALITY AS u(workflow, minute, completed, failed, retried, snoozed, rescued, wait_max, processing_max, n)
            ON CONFLICT (workflow, minute) DO UPDATE SET
                completed = h.completed + excluded.completed,
                failed = h.failed + excluded.failed,
                retried = h.retried + excluded.retried,
                snoozed = h.snoozed + excluded.snoozed,
                rescued = h.rescued + excluded.rescued,
                wait_buckets = {AddArrays("h.wait_buckets", "excluded.wait_buckets")},
                wait_max_ms = greatest(h.wait_max_ms, excluded.wait_max_ms),
                processing_buckets = {AddArrays("h.processing_buckets", "excluded.processing_buckets")},
                processing_max_ms = greatest(h.processing_max_ms, excluded.processing_max_ms)
            """;

        // Sample keys: the newest first, distinct, at most FailureGroup.MaxSampleKeys.
        UpsertErrors = $"""
            INSERT INTO {Errors} AS h (workflow, message, hour, failures, first_seen, last_seen, sample_keys)
            SELECT u.workflow, u.message, u.hour, u.failures, u.first_seen, u.last_seen, (@keys::text[])[u.key_from : u.key_to]
            FROM unnest(@workflow::text[], @message::text[], @hour::timestamptz[], @failures::bigint[], @first_seen::timestamptz[],
                        @last_seen::timestamptz[], @key_from::integer[], @key_to::integer[])
                 AS u(workflow, message, hour, failures, first_seen, last_seen, key_from, key_to)
            ON CONFLICT (workflow, message, hour) DO UPDATE SET
                failures = h.failures + excluded.failures,
                first_seen = least(h.first_seen, excluded.first_seen),
                last_seen = greatest(h.last_seen, excluded.last_seen),
                sample_keys = ARRAY(SELECT k FROM unnest(excluded.sample_keys || h.sample_keys) WITH ORDINALITY AS s(k, i)
                                    GROUP BY k ORDER BY min(i) LIMIT {FailureGroup.MaxSampleKeys})
            """;

        // Elected per run: the host that gets the transaction-scoped lock deletes, any other skips. One statement, so
        // the lock lasts exactly as long as the deletes (and works through a transaction-mode pooler).
        Retention = $"""
            WITH elected AS (SELECT pg_try_advisory_xact_lock(hashtext({SqlLiteral.Text("scrapersky_pipeline history retention " + schema)})) AS ok),
                 minutes AS (DELETE FROM {Minutes} WHERE minute < @cutoff AND (SELECT ok FROM elected) RETURNING 1),
                 errors AS (DELETE FROM {Errors} WHERE hour < @cutoff AND (SELECT ok FROM elected) RETURNING 1)
            SELECT (SELECT ok FROM elected), (SELECT count(*) FROM minutes), (SELECT count(*) FROM errors)
            """;

        Series = $"""
            SELECT date_bin(@step, minute, @from) AS start,
                   sum(completed)::bigint, sum(failed)::bigint, sum(retried)::bigint, sum(snoozed)::bigint, sum(rescued)::bigint,
                   {SumArrays("wait_buckets")}, max(wait_max_ms),
                   {SumArrays("processing_buckets")}, max(processing_max_ms)
            FROM {Minutes}
            WHERE workflow = @workflow AND minute >= @from AND minute < @to
            GROUP BY 1
            ORDER BY 1
            """;

        ErrorGroups = $"""
            SELECT g.workflow, g.message, sum(g.failures)::bigint AS failures, min(g.first_seen), max(g.last_seen),
                   (SELECT s.sample_keys FROM {Errors} s
                    WHERE s.workflow = g.workflow AND s.message = g.message AND s.hour >= date_trunc('hour', @since)
                    ORDER BY s.hour DESC LIMIT 1)
            FROM {Errors} g
            WHERE g.hour >= date_trunc('hour', @since) AND g.last_seen >= @since AND (@workflow::text IS NULL OR g.workflow = @workflow)
            GROUP BY g.workflow, g.message
            ORDER BY failures DESC, max(g.last_seen) DESC
            LIMIT @limit
            """;
    }

    public string Schema { get; }

    /// <summary>Gets the qualified name of the per-minute table.</summary>
    public string Minutes { get; }

    /// <summary>Gets the qualified name of the failure-group table.</summary>
    public string Errors { get; }

    /// <summary>Gets the idempotent DDL: the schema (if missing), both tables and their retention indexes.</summary>
    public string Ddl { get; }

    /// <summary>Gets the upsert that adds one host's per-minute increments of any number of workflows.</summary>
    public string UpsertMinutes { get; }

    /// <summary>Gets the upsert that adds one host's failure groups of any number of workflows.</summary>
    public string UpsertErrors { get; }

    /// <summary>Gets the elected retention delete: returns whether this host was elected and how many rows it deleted.</summary>
    public string Retention { get; }

    /// <summary>Gets the read of one workflow's minutes merged into steps.</summary>
    public string Series { get; }

    /// <summary>Gets the read of failure groups since a time, largest first.</summary>
    public string ErrorGroups { get; }

    // Element-wise sum of two fixed-length bucket arrays; a missing element counts as 0.
    private static string AddArrays(string a, string b)
    {
        var sql = new StringBuilder("ARRAY[");
        for (var i = 1; i <= HistoryBuckets.Count; i++)
        {
            sql.Append(i > 1 ? ", " : string.Empty).Append(CultureInfo.InvariantCulture, $"coalesce({a}[{i}], 0) + coalesce({b}[{i}], 0)");
        }

        return sql.Append("]::bigint[]").ToString();
    }

    // Element-wise sum of a bucket column over a group.
    private static string SumArrays(string column)
    {
        var sql = new StringBuilder("ARRAY[");
        for (var i = 1; i <= HistoryBuckets.Count; i++)
        {
            sql.Append(i > 1 ? ", " : string.Empty).Append(CultureInfo.InvariantCulture, $"coalesce(sum({column}[{i}]), 0)");
        }

        return sql.Append("]::bigint[]").ToString();
    }
}
