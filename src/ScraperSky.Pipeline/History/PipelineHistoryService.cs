using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.History;

/// <summary>
/// Flushes the host's history at each minute boundary of its clock (the minute that just ended), and once more after
/// every hosted service has stopped (<see cref="IHostedLifecycleService.StoppedAsync"/>): the scheduler's last runs
/// are counted before the host's partial minute is written.
/// </summary>
internal sealed class PipelineHistoryService : IHostedLifecycleService, IDisposable
{
    private readonly HistoryRecorder _recorder;
    private readonly PipelineHistoryOptions _options;
    private readonly IEnumerable<string> _workflows;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private DateTimeOffset _nextBoundary;
    private Task _flushing = Task.CompletedTask;
    private bool _stopped;

    public PipelineHistoryService(HistoryRecorder recorder, PipelineHistoryOptions options, IEnumerable<string> workflows, ILogger<PipelineHistoryService> logger)
    {
        _recorder = recorder;
        _options = options;
        _workflows = workflows;
        _logger = logger;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var workflows = string.Join(", ", _workflows.Select(w => "'" + w + "'"));
        Log.HistoryStarted(_logger, workflows.Length > 0 ? workflows : "no workflows", _options.Schema, _options.Retention);
        lock (_gate)
        {
            _nextBoundary = HistoryRecorder.MinuteOf(_recorder.Time.GetUtcNow()) + TimeSpan.FromMinutes(1);
            _timer = _recorder.Time.CreateTimer(static state => ((PipelineHistoryService)state!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Arm();
        }

        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Writes the partial minute once every other hosted service (the scheduler and its workflows) has stopped.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        Task flushing;
        lock (_gate)
        {
            _stopped = true;
            _timer?.Dispose();
            flushing = _flushing;
        }

        await flushing.ConfigureAwait(false);
        await _recorder.FlushAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _timer?.Dispose();

    private void OnTick()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            // The minute that just ended; a tick that comes late still writes the minute it was due for.
            var minute = _nextBoundary - TimeSpan.FromMinutes(1);
            var now = _recorder.Time.GetUtcNow();
            _nextBoundary = HistoryRecorder.MinuteOf(now) + TimeSpan.FromMinutes(1);
            _flushing = FlushAfterAsync(_flushing, minute);
            Arm();
        }
    }

    private async Task FlushAfterAsync(Task previous, DateTimeOffset minute)
    {
        await previous.ConfigureAwait(false);

        // Failures are logged by the recorder and keep what is pending for the next flush.
        await _recorder.FlushAsync(minute).ConfigureAwait(false);
    }

    // Under the gate.
    private void Arm()
    {
        var due = _nextBoundary - _recorder.Time.GetUtcNow();
        _timer?.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
