using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Cluster;

/// <summary>
/// One slot of a job's cluster-wide limit, held for one run: renewed every third of its duration while the run lasts
/// (a run can outlast the lease), given back when the run ends. A renewal that fails or finds the slot gone is logged;
/// the run goes on (stopping work midway is worse than one run too many).
/// </summary>
internal sealed class SlotLease
{
    private readonly ClusterStore _store;
    private readonly string _jobId;
    private readonly string _hostId;
    private readonly TimeSpan _duration;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly object _gate = new();
    private Task _renewal = Task.CompletedTask;
    private bool _released;
    private bool _lostReported;

    public SlotLease(ClusterStore store, TimeProvider time, string jobId, int slot, string hostId, TimeSpan duration, ILogger logger)
    {
        _store = store;
        _jobId = jobId;
        Slot = slot;
        _hostId = hostId;
        _duration = duration;
        _logger = logger;
        var period = duration / 3;
        _timer = time.CreateTimer(static s => ((SlotLease)s!).Renew(), this, period, period);
    }

    public int Slot { get; }

    /// <summary>Stops renewing and gives the slot back; a failure is logged (the slot expires on its own).</summary>
    public async ValueTask ReleaseAsync()
    {
        Task renewal;
        lock (_gate)
        {
            _released = true;
            renewal = _renewal;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await renewal.ConfigureAwait(false);
        try
        {
            await _store.ReleaseSlotAsync(_jobId, Slot, _hostId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.ClusterSlotReleaseFailed(_logger, ex, _jobId, Slot);
        }
    }

    private void Renew()
    {
        lock (_gate)
        {
            if (_released || !_renewal.IsCompleted)
            {
                return;
            }

            _renewal = RenewAsync();
        }
    }

    private async Task RenewAsync()
    {
        try
        {
            if (!await _store.RenewSlotAsync(_jobId, Slot, _hostId, _duration, CancellationToken.None).ConfigureAwait(false))
            {
                ReportLost(null);
            }
        }
        catch (Exception ex)
        {
            ReportLost(ex);
        }
    }

    private void ReportLost(Exception? ex)
    {
        if (!_lostReported || ex is not null)
        {
            _lostReported = true;
            Log.ClusterSlotLost(_logger, ex, _jobId, Slot);
        }
    }
}
