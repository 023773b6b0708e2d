using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Dashboard.Diagnostics;

namespace ScraperSky.Pipeline.Dashboard.Live;

/// <summary>
/// The one sampler of the process: while any page listens it reads the catalog's cached counts, the scheduler's jobs and
/// the cluster's hosts once per <see cref="PipelineDashboardOptions.SampleInterval"/> and hands the same snapshot to
/// every listener, so N open tabs cost one round of queries. With no listener it does nothing.
/// </summary>
internal sealed class DashboardSampler : IDisposable
{
    private readonly IPipelineCatalog? _catalog;
    private readonly IJobScheduler? _scheduler;
    private readonly IPipelineCluster? _cluster;
    private readonly JobEventTracker _events;
    private readonly TimeProvider _time;
    private readonly ILogger<DashboardSampler> _logger;
    private readonly PipelineDashboardOptions _options;
    private readonly SemaphoreSlim _sampling = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<Channel<DashboardSnapshot>> _listeners = [];
    private readonly Dictionary<string, Progress> _progress = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposed = new();
    private DashboardSnapshot? _latest;
    private Task _loop = Task.CompletedTask;
    private long _samples;
    private long _staleBefore = long.MinValue;

    public DashboardSampler(IServiceProvider services, IOptions<PipelineDashboardOptions> options, JobEventTracker events, ILogger<DashboardSampler> logger)
    {
        _catalog = services.GetService<IPipelineCatalog>();
        _scheduler = services.GetService<IJobScheduler>();
        _cluster = services.GetService<IPipelineCluster>();
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _events = events;
        _logger = logger;
        _options = options.Value;
    }

    /// <summary>Gets how many samples were taken (for tests: N listeners, one sample per interval).</summary>
    public long Samples => Interlocked.Read(ref _samples);

    /// <summary>Gets how many pages are listening.</summary>
    public int Listeners
    {
        get
        {
            lock (_gate)
            {
                return _listeners.Count;
            }
        }
    }

    /// <summary>Gets the latest snapshot, taking one when none is younger than the sample interval.</summary>
    public async Task<DashboardSnapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var latest = Volatile.Read(ref _latest);
        if (Fresh(latest, _options.SampleInterval))
        {
            return latest!;
        }

        return await SampleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the latest snapshot stale: after an action the next page shows its effect, not a sample from before it.</summary>
    public void Invalidate() => Interlocked.Exchange(ref _staleBefore, _time.GetUtcNow().UtcTicks);

    private bool Fresh(DashboardSnapshot? snapshot, TimeSpan maxAge)
        => snapshot is not null && snapshot.TakenAt.UtcTicks > Interlocked.Read(ref _staleBefore) && _time.GetUtcNow() - snapshot.TakenAt < maxAge;

    /// <summary>Starts listening: the reader gets every new snapshot (only the newest when it falls behind) until disposed.</summary>
    public Listener Listen()
    {
        var channel = Channel.CreateBounded<DashboardSnapshot>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _listeners.Add(channel);
            if (_loop.IsCompleted)
            {
                _loop = Task.Run(LoopAsync);
            }
        }

        return new Listener(this, channel);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
        _sampling.Dispose();
    }

    private void Remove(Channel<DashboardSnapshot> channel)
    {
        lock (_gate)
        {
            _listeners.Remove(channel);
        }

        channel.Writer.TryComplete();
    }

    private async Task LoopAsync()
    {
        var token = _disposed.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var snapshot = await SampleAsync(token).ConfigureAwait(false);
                lock (_gate)
                {
                    foreach (var listener in _listeners)
                    {
                        listener.Writer.TryWrite(snapshot);
                    }
                }

                await Task.Delay(_options.SampleInterval, _time, token).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_listeners.Count == 0)
                    {
                        // Listen() starts a new loop for the next listener: it sees this one completed under the same lock.
                        _loop = Task.CompletedTask;
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task<DashboardSnapshot> SampleAsync(CancellationToken cancellationToken)
    {
        await _sampling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A caller that waited for the lock gets the sample the previous holder just took.
            var latest = Volatile.Read(ref _latest);
            if (Fresh(latest, _options.SampleInterval / 2))
            {
                return latest!;
            }

            var snapshot = await TakeAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _samples);
            Volatile.Write(ref _latest, snapshot);
            return snapshot;
        }
        finally
        {
            _sampling.Release();
        }
    }

    private async Task<DashboardSnapshot> TakeAsync(CancellationToken cancellationToken)
    {
        // The sample's time is its start: an action after it makes it stale (see Invalidate).
        var now = _time.GetUtcNow();
        var previous = Volatile.Read(ref _latest);
        IReadOnlyList<string> clusterPaused = [];
        IReadOnlyList<PipelineHostInfo>? hosts = null;
        if (_cluster is not null)
        {
            try
            {
                clusterPaused = await _cluster.GetPausedJobsAsync(cancellationToken).ConfigureAwait(false);
                hosts = await _cluster.GetHostsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                DashboardLog.SampleFailed(_logger, ex, "the cluster's hosts and pauses");
                hosts = previous?.Hosts;
            }
        }

        var jobInfos = _scheduler?.GetJobs() ?? [];
        var workflows = new List<WorkflowSample>();
        var workflowByJob = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var info in _catalog?.GetWorkflows() ?? [])
        {
            workflowByJob.TryAdd(info.JobId, info.Name);
            StatusCounts? counts;
            try
            {
                counts = await _catalog!.GetCountsAsync(info.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                DashboardLog.SampleFailed(_logger, ex, $"the counts of workflow '{info.Name}'");
                counts = previous?.Workflow(info.Name)?.Counts;
            }

            var paused = clusterPaused.Contains(info.JobId) || jobInfos.Any(j => j.JobId == info.JobId && j.State == ScheduledJobState.Paused);
            WakeUpStatus? wakeUp;
            try
            {
                wakeUp = _catalog!.GetWakeUpStatus(info.Name);
            }
            catch (Exception ex)
            {
                DashboardLog.SampleFailed(_logger, ex, $"the wake-up state of workflow '{info.Name}'");
                wakeUp = null;
            }

            workflows.Add(new WorkflowSample(info, counts, paused, Stalled(info, counts, paused, now), wakeUp));
        }

        var jobs = jobInfos.Select(j =>
        {
            var (missed, skipped, _) = _events.Get(j.JobId);
            var clusterWide = clusterPaused.Contains(j.JobId);
            return new JobSample(j, clusterWide || j.State == ScheduledJobState.Paused, clusterWide, missed, skipped, workflowByJob.GetValueOrDefault(j.JobId));
        }).ToList();

        var (values, flags, json) = LiveKeys.Build(now, workflows, jobs, hosts);
        return new DashboardSnapshot
        {
            TakenAt = now,
            HasCatalog = _catalog is not null,
            HasScheduler = _scheduler is not null,
            HasCluster = _cluster is not null,
            Workflows = workflows,
            Jobs = jobs,
            Hosts = hosts,
            Values = values,
            Flags = flags,
            Json = json,
        };
    }

    /// <summary>Queued rows and no progress (fewer queued, more finished, or a run here that claimed rows) for a while.</summary>
    private bool Stalled(StatusWorkflowInfo info, StatusCounts? counts, bool paused, DateTimeOffset now)
    {
        if (counts is null)
        {
            return false;
        }

        var done = counts.Completed + counts.Error;
        var lastItems = _events.Get(info.JobId).LastItemsAt;
        if (!_progress.TryGetValue(info.Name, out var seen) || done != seen.Done || counts.Queued < seen.Queued || counts.Queued == 0
            || (lastItems is { } at && at > seen.Since))
        {
            seen = new Progress(done, counts.Queued, lastItems is { } items && items > now ? items : now);
            _progress[info.Name] = seen;
            return false;
        }

        if (counts.Queued > seen.Queued)
        {
            _progress[info.Name] = seen with { Queued = counts.Queued };
        }

        return !paused && now - seen.Since >= _options.StalledAfter;
    }

    private sealed record Progress(long Done, long Queued, DateTimeOffset Since);

    /// <summary>One page's subscription; dispose it when the page goes away.</summary>
    internal sealed class Listener(DashboardSampler sampler, Channel<DashboardSnapshot> channel) : IDisposable
    {
        /// <summary>Gets the snapshots.</summary>
        public ChannelReader<DashboardSnapshot> Reader => channel.Reader;

        /// <inheritdoc />
        public void Dispose() => sampler.Remove(channel);
    }
}
