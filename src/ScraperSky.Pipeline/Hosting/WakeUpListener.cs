using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ScraperSky.Pipeline.Diagnostics;
using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.WakeUp;

namespace ScraperSky.Pipeline.Hosting;

/// <summary>
/// One listening connection per database for all workflows of the host that enabled <see cref="StatusWorkflowWakeUpOptions.Enabled"/>:
/// a notification on a workflow's channel raises its <see cref="WakeSignal"/>. A lost connection is reopened with
/// back-off, after which every workflow is woken once to catch up on what was missed. Behind a transaction-mode
/// pooler LISTEN cannot work; the listener detects that and leaves those workflows to polling.
/// </summary>
internal sealed class WakeUpListener : BackgroundService
{
    /// <summary>The application name of listening connections, so they can be found in <c>pg_stat_activity</c>.</summary>
    public const string ApplicationName = "scrapersky-pipeline-wakeup";

    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<StatusWorkflow> _workflows;
    private readonly IOptionsMonitor<StatusWorkflowOptions> _options;
    private readonly WakeSignals _signals;
    private readonly WakeUpStates _states;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _connections;

    public WakeUpListener(IEnumerable<StatusWorkflow> workflows, IOptionsMonitor<StatusWorkflowOptions> options, WakeSignals signals, WakeUpStates states, IServiceScopeFactory scopes, TimeProvider time, ILogger<WakeUpListener> logger)
    {
        _workflows = workflows.ToList();
        _options = options;
        _signals = signals;
        _states = states;
        _scopes = scopes;
        _time = time;
        _logger = logger;
    }

    /// <summary>Gets how many times a listening connection was (re)established, for tests.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Raised each time a listening connection is ready (after LISTEN), for tests.</summary>
    public event Action? Listening;

    /// <summary>Refuses to start when two workflows would share a wake-up channel or trigger function.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        WakeUpSql.EnsureDistinct(_workflows.Select(w => w.Name));
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var all = _workflows.Select(w => (Workflow: w, Options: _options.Get(w.Name))).ToList();
        foreach (var (workflow, options) in all.Where(x => !x.Options.Enabled || !x.Options.WakeUp.Enabled))
        {
            _states.SetConnection([workflow.Name], Status(WakeUpState.Off, options.Enabled ? "WakeUp:Enabled is false." : "The workflow is disabled on this host."));
        }

        var groups = all
            .Where(x => x.Options.Enabled && x.Options.WakeUp.Enabled)
            .GroupBy(x => x.Options.WakeUp.ConnectionString ?? ConnectionStringOf(x.Workflow), StringComparer.Ordinal)
            .ToList();
        await Task.WhenAll(groups.Select(g => ListenAsync(g.Key, g.Select(x => x.Workflow.Name).ToList(), stoppingToken))).ConfigureAwait(false);
    }

    private string ConnectionStringOf(StatusWorkflow workflow)
    {
        using var scope = _scopes.CreateScope();
        var db = (DbContext)scope.ServiceProvider.GetRequiredService(workflow.Registration.ContextType);
        return db.Database.GetConnectionString()
            ?? throw new InvalidOperationException($"Status workflow '{workflow.Name}': WakeUp:Enabled needs a connection string; the DbContext has none. Set WakeUp:ConnectionString.");
    }

    private async Task ListenAsync(string connectionString, IReadOnlyList<string> workflows, CancellationToken stoppingToken)
    {
        var channels = workflows.ToDictionary(WakeUpSql.Channel, w => w, StringComparer.Ordinal);
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            // A connection of its own, never returned to a pool in LISTEN state; keepalives detect a dead peer.
            Pooling = false,
            KeepAlive = 10,
            ApplicationName = ApplicationName,
        };
        var delay = FirstReconnectDelay;
        var first = true;
        _states.SetConnection(workflows, Status(WakeUpState.Connecting, null));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var connection = new NpgsqlConnection(builder.ConnectionString);
                await using (connection.ConfigureAwait(false))
                {
                    await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                    if (first && await BehindTransactionPoolerAsync(connection, builder.ConnectionString, stoppingToken).ConfigureAwait(false))
                    {
                        Log.WakeUpBehindPooler(_logger, string.Join(", ", workflows));
                        _states.SetConnection(workflows, Status(WakeUpState.PollingOnly, "The connection goes through a transaction-mode pooler, where LISTEN cannot work: rows are picked up by the Schedule:Interval poll. Set WakeUp:ConnectionString to a direct (or session-mode) connection to listen."));
                        return;
                    }

                    connection.Notification += (_, e) =>
                    {
                        if (channels.TryGetValue(e.Channel, out var workflow))
                        {
                            _signals.For(workflow).Set();
                        }
                    };
                    await using (var listen = new NpgsqlCommand(string.Concat(channels.Keys.Select(c => $"LISTEN \"{c}\";")), connection))
                    {
                        await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                    }

                    Interlocked.Increment(ref _connections);
                    Log.WakeUpListening(_logger, string.Join(", ", workflows));
                    // Rows queued before this LISTEN (while connecting, or while we were away) sent notifications
                    // nobody heard: claim once to catch up.
                    foreach (var workflow in workflows)
                    {
                        _signals.For(workflow).Set();
                    }

                    first = false;
                    delay = FirstReconnectDelay;
                    _states.SetConnection(workflows, Status(WakeUpState.Listening, null));
                    Listening?.Invoke();
                    while (true)
                    {
                        await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.WakeUpConnectionLost(_logger, ex, string.Join(", ", workflows), delay);
                _states.SetConnection(workflows, Status(WakeUpState.Reconnecting, $"{(first ? "The listening connection could not be opened" : "The listening connection was lost")} ({ex.GetType().Name}: {ex.Message}); retrying in {delay.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s, polling meanwhile."));
            }

            try
            {
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
        }
    }

    private WakeUpStatus Status(WakeUpState state, string? reason) => new() { State = state, Reason = reason, Since = _time.GetUtcNow() };

    /// <summary>
    /// A transaction-mode pooler hands a client's idle server connection to the next client: two connections that
    /// see the same backend process id are being multiplexed, and LISTEN would be lost between transactions.
    /// </summary>
    private static async Task<bool> BehindTransactionPoolerAsync(NpgsqlConnection listener, string connectionString, CancellationToken cancellationToken)
    {
        var first = await BackendPidAsync(listener, cancellationToken).ConfigureAwait(false);
        var other = new NpgsqlConnection(connectionString);
        await using (other.ConfigureAwait(false))
        {
            await other.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await BackendPidAsync(other, cancellationToken).ConfigureAwait(false) == first;
        }
    }

    private static async Task<int> BackendPidAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
