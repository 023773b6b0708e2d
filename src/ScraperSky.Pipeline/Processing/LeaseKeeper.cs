using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// Keeps alive the lease of every row this host holds for a workflow — waiting in a lane, running, or waiting for its
/// outcome to be written — with one statement per renewal interval, so that a lease expires only when its host is gone
/// or stuck. A row is held from its claim until its outcome is written, or until its item is abandoned or its outcome
/// cannot be written (then the lease runs out and the rescuer takes the row, counting the attempt).
/// </summary>
/// <remarks>
/// The keeper runs only while the host holds rows. Its period is real time (<see cref="TimeProvider.System"/>), not the
/// host's registered provider: it races the database clock, which a fake clock in a test does not move.
/// </remarks>
internal sealed class LeaseKeeper<TEntity> : IDisposable
    where TEntity : class
{
    private readonly ConcurrentDictionary<object, string> _held = new();
    private readonly WorkflowStore<TEntity> _store;
    private readonly KeyReader<TEntity> _keys;
    private readonly string _workflow;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private Func<StatusWorkflowOptions>? _options;
    private bool _running;

    public LeaseKeeper(WorkflowStore<TEntity> store, KeyReader<TEntity> keys, string workflow, ILogger logger)
    {
        _store = store;
        _keys = keys;
        _workflow = workflow;
        _logger = logger;
    }

    /// <summary>Gets how many rows the keeper holds now (for tests and diagnostics).</summary>
    public int Held => _held.Count;

    /// <summary>Gets how many renewal statements ran (for tests).</summary>
    public long Renewals { get; private set; }

    /// <summary>The renewal interval: the setting, or a tenth of the lease, at most 30 seconds.</summary>
    public static TimeSpan Interval(StatusWorkflowOptions options)
        => options.Lease.RenewalInterval ?? TimeSpan.FromTicks(Math.Min(options.Lease.Duration.Ticks / 10, TimeSpan.TicksPerSecond * 30));

    /// <summary>Starts holding rows claimed under <paramref name="token"/>.</summary>
    public void Hold(IEnumerable<object?> keys, string token, Func<StatusWorkflowOptions> options)
    {
        foreach (var key in keys)
        {
            if (key is not null)
            {
                _held[key] = token;
            }
        }

        lock (_gate)
        {
            _options = options;
            if (_running || _held.IsEmpty || _disposed.IsCancellationRequested)
            {
                return;
            }

            _running = true;
        }

        _ = Task.Run(RunAsync);
    }

    /// <summary>Stops holding a row (its outcome was written, or it is given up), if <paramref name="token"/> still holds it.</summary>
    public void Release(object? key, string token)
    {
        if (key is not null)
        {
            _held.TryRemove(new KeyValuePair<object, string>(key, token));
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _held.Clear();
    }

    private async Task RunAsync()
    {
        while (true)
        {
            StatusWorkflowOptions options;
            lock (_gate)
            {
                if (_held.IsEmpty || _disposed.IsCancellationRequested)
                {
                    _running = false;
                    return;
                }

                options = _options!();
            }

            try
            {
                await Task.Delay(Interval(options), TimeProvider.System, _disposed.Token).ConfigureAwait(false);
                await RenewAsync(options).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
            {
                lock (_gate)
                {
                    _running = false;
                }

                return;
            }
            catch (Exception ex)
            {
                // The next renewal comes one interval later; the lease is at least three intervals long.
                Log.LeaseRenewalFailed(_logger, ex, _workflow, _held.Count);
            }
        }
    }

    private async Task RenewAsync(StatusWorkflowOptions options)
    {
        var snapshot = _held.ToArray();
        if (snapshot.Length == 0)
        {
            return;
        }

        var keys = _keys.CreateArray(snapshot.Length);
        var tokens = new string[snapshot.Length];
        for (var i = 0; i < snapshot.Length; i++)
        {
            keys.SetValue(snapshot[i].Key, i);
            tokens[i] = snapshot[i].Value;
        }

        await _store.RenewLeasesAsync(keys, tokens, options.Lease.Duration, _disposed.Token).ConfigureAwait(false);
        Renewals++;
    }
}
