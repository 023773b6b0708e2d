using Npgsql;
using NpgsqlTypes;
using ScraperSky.Pipeline.Claiming;

namespace ScraperSky.Pipeline.Cluster;

/// <summary>
/// Runs the cluster's statements (<see cref="ClusterSql"/>), each alone on a pooled connection (or, for the DDL, in one
/// short transaction), so that they work through a transaction-mode pooler. The schema is made ready (created when
/// <see cref="PipelineClusterOptions.ApplySchema"/> is on, its version checked) before the first statement.
/// </summary>
internal sealed class ClusterStore : IAsyncDisposable, IDisposable
{
    /// <summary>How long a host that stopped sending heartbeats, and an expired slot, stay in their tables.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromDays(1);

    private readonly PipelineClusterOptions _options;
    private readonly Lazy<NpgsqlDataSource> _dataSource;
    private readonly SqlClock? _sqlClock;
    private readonly SemaphoreSlim _readyGate = new(1, 1);
    private volatile bool _ready;

    public ClusterStore(PipelineClusterOptions options, Func<string> connectionString, SqlClock? sqlClock = null)
    {
        _options = options;
        _sqlClock = sqlClock;
        Sql = new ClusterSql(options.Schema);
        _dataSource = new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(connectionString()));
    }

    public ClusterSql Sql { get; }

    /// <summary>The schema's version once ready (0 before).</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>Creates the schema when asked to and checks its version, once; a failure is thrown and tried again next time.</summary>
    /// <exception cref="InvalidOperationException">The schema is missing (and not to be created) or newer than this release.</exception>
    public async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _readyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ready)
            {
                return;
            }

            await using var connection = await _dataSource.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            if (_options.ApplySchema)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var ddl = new NpgsqlCommand(Sql.Ddl, connection, transaction))
                {
                    await ddl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            int version;
            try
            {
                await using var read = new NpgsqlCommand(Sql.ReadVersion, connection);
                version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                throw new InvalidOperationException(
                    $"Pipeline cluster: schema '{Sql.Schema}' has no cluster tables. Run StatusWorkflowScripts.ClusterSchema() in a migration, or set ApplySchema = true so that the host creates them.", ex);
            }

            if (version > ClusterSql.SchemaVersion)
            {
                throw new InvalidOperationException(
                    $"Pipeline cluster: schema '{Sql.Schema}' is at version {version}, newer than this release of the library knows ({ClusterSql.SchemaVersion}); upgrade the library on this host.");
            }

            SchemaVersion = version;
            _ready = true;
        }
        finally
        {
            _readyGate.Release();
        }
    }

    /// <summary>Claims a run key; returns the host that holds it (this one when the claim succeeded, or it held it already).</summary>
    public async Task<string> ClaimRunKeyAsync(string jobId, DateTimeOffset fireTime, string hostId, CancellationToken cancellationToken)
    {
        var claimed = await ScalarAsync(Sql.ClaimRunKey, cancellationToken, Text("job", jobId), Time("fire", fireTime), Text("host", hostId)).ConfigureAwait(false);
        if (claimed is string me)
        {
            return me;
        }

        // Taken: by whom (a later statement, so it sees the other host's committed claim).
        return await ScalarAsync(Sql.RunKeyHolder, cancellationToken, Text("job", jobId), Time("fire", fireTime)).ConfigureAwait(false) as string
            ?? throw new InvalidOperationException($"Pipeline cluster: the run key of job '{jobId}' at {fireTime:O} was taken and then gone; the run is not started.");
    }

    /// <summary>Takes a free slot of <paramref name="max"/>; returns its number, or null when all are held by live leases.</summary>
    public async Task<int?> TakeSlotAsync(string jobId, int max, string hostId, TimeSpan duration, CancellationToken cancellationToken)
    {
        // Each attempt that returns nothing lost a race for one slot to another host; at most max of them can.
        for (var attempt = 0; attempt <= max; attempt++)
        {
            var slot = await ScalarAsync(Sql.TakeSlot, cancellationToken, Text("job", jobId), Int("max", max), Text("host", hostId), Span("duration", duration)).ConfigureAwait(false);
            if (slot is int taken)
            {
                return taken;
            }

            var live = (int)(await ScalarAsync(Sql.LiveSlots, cancellationToken, Text("job", jobId), Int("max", max)).ConfigureAwait(false))!;
            if (live >= max)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>Renews a held slot; false when this host no longer holds it.</summary>
    public async Task<bool> RenewSlotAsync(string jobId, int slot, string hostId, TimeSpan duration, CancellationToken cancellationToken)
        => await ExecuteAsync(Sql.RenewSlot, cancellationToken, Text("job", jobId), Int("slot", slot), Text("host", hostId), Span("duration", duration)).ConfigureAwait(false) == 1;

    public Task ReleaseSlotAsync(string jobId, int slot, string hostId, CancellationToken cancellationToken)
        => ExecuteAsync(Sql.ReleaseSlot, cancellationToken, Text("job", jobId), Int("slot", slot), Text("host", hostId));

    /// <summary>Records this host's heartbeat and forgets what is old: hosts and slots unseen for a day, run keys past their retention.</summary>
    public async Task HeartbeatAsync(ClusterHostIdentity host, IReadOnlyList<string> jobIds, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command(
            Sql.Heartbeat,
            Text("host", host.HostId),
            Text("machine", host.MachineName),
            Text("version", host.Version),
            Span("interval", _options.HeartbeatInterval),
            new NpgsqlParameter("jobs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = jobIds.ToArray() }));
        batch.BatchCommands.Add(Command(Sql.ForgetHosts, Span("forget", ForgetAfter)));
        batch.BatchCommands.Add(Command(Sql.PurgeSlots, Span("forget", ForgetAfter)));
        batch.BatchCommands.Add(Command(Sql.PurgeRunKeys, Span("keep", _options.RunKeyRetention)));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes this host's heartbeat row and gives back any slot it still holds (a graceful stop).</summary>
    public async Task LeaveAsync(string hostId, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command(Sql.Leave, Text("host", hostId)));
        batch.BatchCommands.Add(Command(Sql.ReleaseHostSlots, Text("host", hostId)));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PipelineHostInfo>> HostsAsync(CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(Sql.Hosts, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var hosts = new List<PipelineHostInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hosts.Add(new PipelineHostInfo
            {
                HostId = reader.GetString(0),
                MachineName = reader.GetString(1),
                Version = reader.GetString(2),
                StartedAt = reader.GetFieldValue<DateTimeOffset>(3),
                LastSeenAt = reader.GetFieldValue<DateTimeOffset>(4),
                IsAlive = reader.GetBoolean(5),
                JobIds = reader.GetFieldValue<string[]>(6),
            });
        }

        return hosts;
    }

    public Task PauseAsync(string jobId, string hostId, CancellationToken cancellationToken)
        => ExecuteAsync(Sql.Pause, cancellationToken, Text("job", jobId), Text("host", hostId));

    public Task ResumeAsync(string jobId, CancellationToken cancellationToken)
        => ExecuteAsync(Sql.Resume, cancellationToken, Text("job", jobId));

    public async Task<IReadOnlyList<string>> PausedJobsAsync(CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(Sql.PausedJobs, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var jobs = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(reader.GetString(0));
        }

        return jobs;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated)
        {
            await _dataSource.Value.DisposeAsync().ConfigureAwait(false);
        }

        _readyGate.Dispose();
    }

    public void Dispose()
    {
        if (_dataSource.IsValueCreated)
        {
            _dataSource.Value.Dispose();
        }

        _readyGate.Dispose();
    }

    private static NpgsqlParameter Text(string name, string value) => new(name, NpgsqlDbType.Text) { Value = value };

    private static NpgsqlParameter Int(string name, int value) => new(name, NpgsqlDbType.Integer) { Value = value };

    private static NpgsqlParameter Time(string name, DateTimeOffset value) => new(name, NpgsqlDbType.TimestampTz) { Value = value.ToUniversalTime() };

    private static NpgsqlParameter Span(string name, TimeSpan value) => new(name, NpgsqlDbType.Interval) { Value = value };

    private NpgsqlParameter Now() => new(WorkflowSql.NowParameter, NpgsqlDbType.TimestampTz)
    {
        Value = _sqlClock is null ? DBNull.Value : _sqlClock.Time.GetUtcNow(),
    };

    private NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        command.Parameters.Add(Now());
        return command;
    }

    private NpgsqlCommand Command(string sql, NpgsqlConnection connection, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        command.Parameters.Add(Now());
        return command;
    }

    private async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(sql, connection, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.Value.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(sql, connection, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
