using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using ScraperSky.Pipeline.Benchmarks.Reporting;
using ScraperSky.Pipeline.Benchmarks.Suite;

namespace ScraperSky.Pipeline.Benchmarks.Latency;

/// <summary>
/// Section 2, pickup latency: a real host (the library's hosted service, polling every interval) runs while single
/// rows are set to queued at random moments; each sample is the time from the moment the queuing commit returned
/// until the processor started on that row. Percentiles over the samples, with the poll interval stated.
/// </summary>
internal sealed class PickupLatencyBenchmark(BenchProfile profile, ResultSet results, string connectionString)
{
    public const string Section = "latency";

    /// <summary>The poll interval with wake-up on: long enough that only a notification explains a prompt start.</summary>
    private static readonly TimeSpan SafetyPoll = TimeSpan.FromSeconds(30);

    /// <summary>The ways a queued row can reach a processor; a row per mode, unavailable modes reported as such.</summary>
    public static IReadOnlyList<PickupMode> Modes { get; } =
    [
        new("library (polling)", Unavailable: null),
        new("library (wake-up on)", Unavailable: null) { WakeUp = true },
    ];

    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var mode in Modes)
        {
            if (mode.Unavailable is not null)
            {
                results.Add(new ResultRow(Section, mode.Name, "p50 ms", null, Note: mode.Unavailable));
                continue;
            }

            await MeasureAsync(mode, ct);
        }
    }

    private async Task MeasureAsync(PickupMode mode, CancellationToken ct)
    {
        var samples = profile.LatencySamples;
        // Every sample row exists (completed) from the start, so queuing one is the UPDATE an application would send.
        await QueueTable.RefillAsync(connectionString, queued: 0, history: samples + 1_000, ct);

        var recorder = new PickupRecorder(samples);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(recorder);
        builder.Services.AddDbContext<BenchDb>(o => BenchDb.Configure(o, connectionString));
        LibraryWorker.AddWorkflow<RecordingProcessor>(builder.Services, o =>
        {
            // With wake-up, the interval is only the safety poll: a notification starts the run.
            o.Schedule.Interval = mode.WakeUp ? SafetyPoll : profile.LatencyPollInterval;
            o.Batch.Size = 10;
            o.WakeUp.Enabled = mode.WakeUp;
            o.WakeUp.InstallTrigger = mode.WakeUp;
        });

        using var host = builder.Build();
        await host.StartAsync(ct);
        try
        {
            // Let the first polls (schema check, EF Core's first query) pass before the first sample.
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var queuedAt = new long[samples];
            var random = new Random(5);
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync(ct);
                await using var queue = new NpgsqlCommand("UPDATE domains SET status = 'Queued' WHERE id = @id", connection);
                var id = new NpgsqlParameter<long>("id", 0L);
                queue.Parameters.Add(id);
                await queue.PrepareAsync(ct);
                for (var i = 0; i < samples; i++)
                {
                    // Random gaps, so that samples do not lock in phase with the poll interval.
                    await Task.Delay(random.Next(5, 45), ct);
                    id.TypedValue = i + 1;
                    await queue.ExecuteNonQueryAsync(ct);
                    queuedAt[i] = Stopwatch.GetTimestamp();
                }
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await recorder.AllStarted.WaitAsync(timeout.Token);

            var latencies = Enumerable.Range(0, samples)
                .Select(i => Stopwatch.GetElapsedTime(queuedAt[i], recorder.StartedAt[i + 1]).TotalMilliseconds)
                .Order()
                .ToArray();
            var note = mode.WakeUp
                ? $"LISTEN/NOTIFY wake-up, safety poll {SafetyPoll.TotalSeconds:0} s, {samples} samples, batch size 10"
                : $"poll interval {profile.LatencyPollInterval.TotalMilliseconds:0} ms, {samples} samples, batch size 10";
            foreach (var (metric, p) in new[] { ("p50 ms", 0.50), ("p95 ms", 0.95), ("p99 ms", 0.99), ("max ms", 1.0) })
            {
                results.Add(new ResultRow(Section, mode.Name, metric, Percentile(latencies, p), Items: samples, Note: note));
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    public static double Percentile(double[] sorted, double p)
        => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    internal sealed record PickupMode(string Name, string? Unavailable)
    {
        /// <summary>Whether the mode wakes the workflow with LISTEN/NOTIFY instead of relying on the poll.</summary>
        public bool WakeUp { get; init; }
    }
}

/// <summary>When the processor started on each row, by id.</summary>
public sealed class PickupRecorder(int expected)
{
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    public ConcurrentDictionary<long, long> StartedAt { get; } = new();

    public Task AllStarted => _all.Task;

    public void Record(long id)
    {
        if (StartedAt.TryAdd(id, Stopwatch.GetTimestamp()) && Interlocked.Increment(ref _count) == expected)
        {
            _all.TrySetResult();
        }
    }
}

/// <summary>Records the moment it starts on a row; otherwise a no-op.</summary>
public sealed class RecordingProcessor(PickupRecorder recorder) : IStatusItemProcessor<BenchDomain>
{
    public ValueTask<ItemResult> ProcessAsync(BenchDomain item, StatusItemContext context, CancellationToken cancellationToken)
    {
        recorder.Record(item.Id);
        return ValueTask.FromResult(ItemResult.Completed);
    }
}
