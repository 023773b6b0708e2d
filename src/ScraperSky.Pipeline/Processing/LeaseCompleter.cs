using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>One lease-mode outcome on its way to the database.</summary>
/// <param name="Key">The row's key (provider value).</param>
/// <param name="Token">The claim token the row is held under (the fence).</param>
/// <param name="Decision">What the attempt becomes.</param>
/// <param name="Attempt">The attempt number, for the decision that replaces an outcome that cannot be written.</param>
internal readonly record struct PendingOutcome(object? Key, string Token, Decision Decision, int Attempt);

/// <summary>What one flush of the completer did: which outcomes were refused (the row is no longer ours), which were replaced, which could not be written at all.</summary>
internal sealed class FlushResult
{
    /// <summary>Gets or sets when the flush finished (host time): retries written in it are due their delay after this.</summary>
    public DateTimeOffset CompletedAt { get; set; }

    /// <summary>Gets the keys whose outcome was refused because another claim holds the row now.</summary>
    public HashSet<object?> Refused { get; } = [];

    /// <summary>Gets the keys whose outcome could not be written and was replaced (by the outcome policy).</summary>
    public Dictionary<object, Decision> Replaced { get; } = [];

    /// <summary>Gets the keys of which nothing could be written: the row stays processing until its lease runs out.</summary>
    public HashSet<object?> Unwritten { get; } = [];
}

/// <summary>
/// Writes lease-mode outcomes as they happen: outcomes from every lane and batch of the workflow gather for at most
/// <see cref="FlushDelay"/> (or until <see cref="FlushThreshold"/> of them wait, or a batch asks for a flush) and then
/// reach the database in one fenced statement. A row leaves the lease keeper once its outcome is written. An outcome
/// that cannot be written (a trigger or constraint refuses it) is replaced through the outcome policy and counts as a
/// failed attempt; if nothing can be written, the row is left to its lease and the rescuer.
/// </summary>
internal sealed class LeaseCompleter<TEntity> : IDisposable
    where TEntity : class
{
    /// <summary>The longest an outcome waits for batch-mates before it is written.</summary>
    public static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>The number of waiting outcomes that are written at once, without waiting for <see cref="FlushDelay"/>.</summary>
    public const int FlushThreshold = 1000;

    private static readonly TimeSpan[] TransientRetries = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1)];

    private readonly WorkflowStore<TEntity> _store;
    private readonly KeyReader<TEntity> _keys;
    private readonly LeaseKeeper<TEntity> _keeper;
    private readonly Func<StatusWorkflowOptions> _options;
    private readonly TimeProvider _time;
    private readonly string _workflow;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private Generation _current = new();
    private Task _tail = Task.CompletedTask;

    public LeaseCompleter(WorkflowStore<TEntity> store, KeyReader<TEntity> keys, LeaseKeeper<TEntity> keeper, Func<StatusWorkflowOptions> options, TimeProvider time, string workflow, ILogger logger)
    {
        _store = store;
        _keys = keys;
        _keeper = keeper;
        _options = options;
        _time = time;
        _workflow = workflow;
        _logger = logger;
        _timer = TimeProvider.System.CreateTimer(static state => ((LeaseCompleter<TEntity>)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Queues an outcome; the task completes when the flush that carries it has finished.</summary>
    public Task<FlushResult> Add(in PendingOutcome outcome)
    {
        lock (_gate)
        {
            var generation = _current;
            generation.Items.Add(outcome);
            if (generation.Items.Count >= FlushThreshold)
            {
                StartFlush();
            }
            else if (!generation.TimerArmed)
            {
                generation.TimerArmed = true;
                _timer.Change(FlushDelay, Timeout.InfiniteTimeSpan);
            }

            return generation.Completion.Task;
        }
    }

    /// <summary>Writes whatever waits now; the task completes when every flush started so far has finished.</summary>
    public Task FlushAsync()
    {
        lock (_gate)
        {
            if (_current.Items.Count > 0)
            {
                // The batch's last flush: the run's next claim follows at once, on the connection this flush keeps.
                _current.HoldConnection = true;
                StartFlush();
            }

            return _tail;
        }
    }

    public void Dispose() => _timer.Dispose();

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_current.Items.Count > 0)
            {
                StartFlush();
            }
        }
    }

    // Under the lock. Flushes run one after another, in the order they started.
    private void StartFlush()
    {
        var generation = _current;
        _current = new Generation();
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _tail = FlushAfterAsync(_tail, generation);
    }

    private async Task FlushAfterAsync(Task previous, Generation generation)
    {
        await previous.ConfigureAwait(false);
        FlushResult result;
        try
        {
            result = await WriteAsync(generation.Items, generation.HoldConnection).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nothing was written: the rows stay processing under their tokens; their leases run out and the rescuer
            // returns them, counting the attempt.
            Log.OutcomesNotWritten(_logger, ex, _workflow, generation.Items.Count);
            result = new FlushResult { CompletedAt = _time.GetUtcNow() };
            foreach (var outcome in generation.Items)
            {
                result.Unwritten.Add(outcome.Key);
                _keeper.Release(outcome.Key, outcome.Token);
            }
        }

        generation.Completion.SetResult(result);
    }

    private async Task<FlushResult> WriteAsync(List<PendingOutcome> items, bool holdConnection)
    {
        try
        {
            var written = await WriteWithRetriesAsync(items, holdConnection).ConfigureAwait(false);
            var result = new FlushResult { CompletedAt = _time.GetUtcNow() };
            if (written.Count < items.Count)
            {
                var writtenKeys = written.ToHashSet();
                foreach (var outcome in items)
                {
                    if (!writtenKeys.Contains(outcome.Key))
                    {
                        result.Refused.Add(outcome.Key);
                        Log.LeaseLost(_logger, _workflow, outcome.Key);
                    }
                }
            }

            foreach (var outcome in items)
            {
                _keeper.Release(outcome.Key, outcome.Token);
            }

            return result;
        }
        catch (PostgresException ex) when (!ex.IsTransient)
        {
            // One row refuses its outcome (a trigger, a constraint): find it by writing one outcome at a time.
            return await WriteOneByOneAsync(items).ConfigureAwait(false);
        }
    }

    private async Task<FlushResult> WriteOneByOneAsync(List<PendingOutcome> items)
    {
        var result = new FlushResult();
        foreach (var outcome in items)
        {
            try
            {
                if ((await WriteWithRetriesAsync([outcome]).ConfigureAwait(false)).Count == 0)
                {
                    result.Refused.Add(outcome.Key);
                    Log.LeaseLost(_logger, _workflow, outcome.Key);
                }

                _keeper.Release(outcome.Key, outcome.Token);
                continue;
            }
            catch (PostgresException ex) when (!ex.IsTransient)
            {
                var replacement = OutcomePolicy.OutcomeNotWritten(ProcessorFailure.Reason(ex), outcome.Attempt, _options(), countsAttempts: true, Random.Shared.NextDouble());
                Log.OutcomeRefused(_logger, ex, _workflow, outcome.Key, replacement.Kind == WorkflowSql.ErrorKind ? "error" : "retry");
                try
                {
                    await WriteWithRetriesAsync([outcome with { Decision = replacement }]).ConfigureAwait(false);
                    if (outcome.Key is not null)
                    {
                        result.Replaced[outcome.Key] = replacement;
                    }

                    _keeper.Release(outcome.Key, outcome.Token);
                    continue;
                }
                catch (Exception inner) when (inner is NpgsqlException)
                {
                    Log.OutcomesNotWritten(_logger, inner, _workflow, 1);
                }
            }

            result.Unwritten.Add(outcome.Key);
            _keeper.Release(outcome.Key, outcome.Token);
        }

        result.CompletedAt = _time.GetUtcNow();
        return result;
    }

    private async Task<List<object?>> WriteWithRetriesAsync(IReadOnlyList<PendingOutcome> items, bool holdConnection = false)
    {
        var batch = new OutcomeBatch(_keys.CreateArray(items.Count), withTokens: true);
        foreach (var outcome in items)
        {
            batch.Add(outcome.Key, outcome.Decision.Kind, outcome.Decision.Reason, outcome.Decision.Delay, outcome.Token);
        }

        for (var retry = 0; ; retry++)
        {
            try
            {
                return await _store.WriteLeaseOutcomesAsync(batch, holdConnection, CancellationToken.None).ConfigureAwait(false);
            }
            catch (NpgsqlException ex) when (ex.IsTransient && retry < TransientRetries.Length)
            {
                await Task.Delay(TransientRetries[retry], TimeProvider.System).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The outcomes gathered for one flush, and the signal of its end.</summary>
    private sealed class Generation
    {
        public List<PendingOutcome> Items { get; } = [];

        public TaskCompletionSource<FlushResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TimerArmed { get; set; }

        /// <summary>Whether the flush keeps its connection for the run's next claim (the flush that ends a batch).</summary>
        public bool HoldConnection { get; set; }
    }
}
