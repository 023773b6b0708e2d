using ScraperSky.Pipeline.Definition;

namespace ScraperSky.Pipeline.Claiming;

/// <summary>
/// The SQL of the cluster's own schema: its DDL (idempotent, versioned) and the short statements of run keys, slot
/// leases, host heartbeats and pause flags. Every statement runs alone or in a short transaction, so that it works
/// through a transaction-mode pooler. Time is <c>coalesce(@now, now())</c>: the database clock, or a test's.
/// </summary>
internal sealed class ClusterSql
{
    /// <summary>The schema's name unless configured otherwise.</summary>
    public const string DefaultSchema = "scrapersky_pipeline";

    /// <summary>The version of the schema this release creates and reads; a later release migrates from it.</summary>
    public const int SchemaVersion = 1;

    private const string Now = "coalesce(@" + WorkflowSql.NowParameter + ", now())";

    public ClusterSql(string schema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        Schema = schema;
        var s = SqlIdentifier.Quote(schema);
        var runKeys = s + ".run_keys";
        var slots = s + ".slot_leases";
        var hosts = s + ".hosts";
        var paused = s + ".paused_jobs";
        var version = s + ".schema_version";

        // The advisory lock makes hosts that start together take turns: CREATE … IF NOT EXISTS races with itself.
        Ddl = $"""
            SELECT pg_advisory_xact_lock(hashtext({SqlLiteral.Text("scrapersky_pipeline cluster schema " + schema)}));
            CREATE SCHEMA IF NOT EXISTS {s};
            CREATE TABLE IF NOT EXISTS {version} (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                version integer NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO {version} (version) VALUES ({SchemaVersion}) ON CONFLICT (singleton) DO NOTHING;
            CREATE TABLE IF NOT EXISTS {runKeys} (
                job_id text NOT NULL,
                fire_time timestamptz NOT NULL,
                host_id text NOT NULL,
                claimed_at timestamptz NOT NULL,
                PRIMARY KEY (job_id, fire_time));
            CREATE INDEX IF NOT EXISTS run_keys_claimed_at ON {runKeys} (claimed_at);
            CREATE TABLE IF NOT EXISTS {slots} (
                job_id text NOT NULL,
                slot integer NOT NULL,
                host_id text NOT NULL,
                expires_at timestamptz NOT NULL,
                PRIMARY KEY (job_id, slot));
            CREATE TABLE IF NOT EXISTS {hosts} (
                host_id text PRIMARY KEY,
                machine_name text NOT NULL,
                version text NOT NULL,
                started_at timestamptz NOT NULL,
                last_seen_at timestamptz NOT NULL,
                heartbeat_interval interval NOT NULL,
                job_ids text[] NOT NULL);
            CREATE TABLE IF NOT EXISTS {paused} (
                job_id text PRIMARY KEY,
                paused_at timestamptz NOT NULL,
                paused_by text NOT NULL);
            """;
        ReadVersion = $"SELECT version FROM {version}";

        ClaimRunKey = $"INSERT INTO {runKeys} (job_id, fire_time, host_id, claimed_at) VALUES (@job, @fire, @host, {Now}) ON CONFLICT (job_id, fire_time) DO NOTHING RETURNING host_id";
        RunKeyHolder = $"SELECT host_id FROM {runKeys} WHERE job_id = @job AND fire_time = @fire";
        PurgeRunKeys = $"DELETE FROM {runKeys} WHERE claimed_at < {Now} - @keep";

        // The lowest slot that is free (never taken, or expired); a slot another host takes meanwhile is re-checked
        // under its row lock by the conflict clause, which then returns nothing: the caller tries again.
        TakeSlot = $"""
            INSERT INTO {slots} AS l (job_id, slot, host_id, expires_at)
            SELECT @job, k, @host, {Now} + @duration
            FROM generate_series(1, @max) AS k
            WHERE NOT EXISTS (SELECT 1 FROM {slots} f WHERE f.job_id = @job AND f.slot = k AND f.expires_at > {Now})
            ORDER BY k
            LIMIT 1
            ON CONFLICT (job_id, slot) DO UPDATE SET host_id = excluded.host_id, expires_at = excluded.expires_at
            WHERE l.expires_at <= {Now}
            RETURNING slot
            """;
        LiveSlots = $"SELECT count(*)::int FROM {slots} WHERE job_id = @job AND slot <= @max AND expires_at > {Now}";
        RenewSlot = $"UPDATE {slots} SET expires_at = {Now} + @duration WHERE job_id = @job AND slot = @slot AND host_id = @host";
        ReleaseSlot = $"DELETE FROM {slots} WHERE job_id = @job AND slot = @slot AND host_id = @host";
        PurgeSlots = $"DELETE FROM {slots} WHERE expires_at < {Now} - @forget";

        Heartbeat = $"""
            INSERT INTO {hosts} (host_id, machine_name, version, started_at, last_seen_at, heartbeat_interval, job_ids)
            VALUES (@host, @machine, @version, {Now}, {Now}, @interval, @jobs)
            ON CONFLICT (host_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, heartbeat_interval = excluded.heartbeat_interval, job_ids = excluded.job_ids
            """;
        ForgetHosts = $"DELETE FROM {hosts} WHERE last_seen_at < {Now} - @forget";
        Leave = $"DELETE FROM {hosts} WHERE host_id = @host";
        ReleaseHostSlots = $"DELETE FROM {slots} WHERE host_id = @host";
        Hosts = $"""
            SELECT host_id, machine_name, version, started_at, last_seen_at, last_seen_at + 3 * heartbeat_interval > {Now} AS alive, job_ids
            FROM {hosts}
            ORDER BY alive DESC, started_at, host_id
            """;

        Pause = $"INSERT INTO {paused} (job_id, paused_at, paused_by) VALUES (@job, {Now}, @host) ON CONFLICT (job_id) DO NOTHING";
        Resume = $"DELETE FROM {paused} WHERE job_id = @job";
        PausedJobs = $"SELECT job_id FROM {paused} ORDER BY job_id";
    }

    public string Schema { get; }

    /// <summary>Creates (or leaves as it is) the schema and its tables, and records the version; in one transaction.</summary>
    public string Ddl { get; }

    public string ReadVersion { get; }

    public string ClaimRunKey { get; }

    public string RunKeyHolder { get; }

    public string PurgeRunKeys { get; }

    public string TakeSlot { get; }

    public string LiveSlots { get; }

    public string RenewSlot { get; }

    public string ReleaseSlot { get; }

    public string PurgeSlots { get; }

    public string Heartbeat { get; }

    public string ForgetHosts { get; }

    public string Leave { get; }

    public string ReleaseHostSlots { get; }

    public string Hosts { get; }

    public string Pause { get; }

    public string Resume { get; }

    public string PausedJobs { get; }
}
