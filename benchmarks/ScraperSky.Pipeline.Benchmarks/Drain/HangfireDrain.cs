using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.States;
using Hangfire.Storage;
using Npgsql;

namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>
/// Hangfire with Hangfire.PostgreSql, the peer a .NET user would pick today, at its fastest reasonable settings: N
/// no-op jobs enqueued up front (not timed), then one server with the given worker count started and timed until the
/// last job is recorded as succeeded in its database. Each run gets a fresh schema in Hangfire's own database.
/// </summary>
internal sealed class HangfireDrain : IDrainSystem
{
    /// <summary>How long an idle Hangfire worker waits before polling its queue again (Hangfire.PostgreSql's default is 15 s).</summary>
    public static readonly TimeSpan QueuePollInterval = TimeSpan.FromMilliseconds(10);

    private static readonly SucceededCounter Counter = new();
    private static int _configured;
    private static int _runs;

    public string Name => "hangfire";

    public DrainPattern Pattern => DrainPattern.JobQueue;

    public string? Unavailable => null;

    public bool UsesQueueTable => false;

    public async Task<IDrainRun> PrepareAsync(DrainSetup setup, CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _configured, 1) == 0)
        {
            // The 1.8 data format (smaller payloads) and the counter that sees each success as it is applied.
            GlobalConfiguration.Configuration.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer();
            GlobalJobFilters.Filters.Add(Counter);
        }

        var schema = $"hangfire_run{Interlocked.Increment(ref _runs)}";
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = schema,
            PrepareSchemaIfNecessary = true,
            // Below Hangfire.PostgreSql's suggested minimum (50 ms) on purpose: the fastest setting that still works.
            AllowUnsafeValues = true,
            QueuePollInterval = QueuePollInterval,
        };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(setup.HangfireConnectionString, options), options);
        var client = new BackgroundJobClient(storage);

        // Enqueueing is one transaction per job; spread it over a few tasks so that setting up stays short.
        var next = 0L;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(
            () =>
            {
                while (Interlocked.Increment(ref next) <= setup.Items)
                {
                    client.Enqueue(() => HangfireNoopJob.Run());
                }
            },
            ct)));

        return new Run(storage, setup, schema);
    }

    private sealed class Run(PostgreSqlStorage storage, DrainSetup setup, string schema) : IDrainRun
    {
        private BackgroundJobServer? _server;

        public async Task RunAsync(CancellationToken ct)
        {
            var done = Counter.Expect(setup.Items);
            _server = new BackgroundJobServer(
                new BackgroundJobServerOptions
                {
                    WorkerCount = setup.Workers,
                    ServerName = schema,
                    // Nothing is scheduled or recurring here; keep the server's own background polling out of the way.
                    SchedulePollingInterval = TimeSpan.FromSeconds(30),
                },
                storage);
            await done.WaitAsync(ct);

            // The filter sees a success inside its state transaction; the clock stops when the database agrees.
            while (await CountFinishedAsync(ct) < setup.Items)
            {
                await Task.Delay(2, ct);
            }
        }

        public async Task<long> CountFinishedAsync(CancellationToken ct)
        {
            await using var connection = new NpgsqlConnection(setup.HangfireConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{schema}\".job WHERE statename IN ('Succeeded', 'Failed')", connection);
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }

        public ValueTask DisposeAsync()
        {
            if (_server is not null)
            {
                _server.SendStop();
                _server.Dispose();
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Counts jobs reaching Succeeded in this process and completes when the expected number is reached.</summary>
    private sealed class SucceededCounter : IApplyStateFilter
    {
        private long _remaining;
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Expect(long count)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _remaining, count);
            return _done.Task;
        }

        public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
            if (context.NewState is SucceededState && Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }

        public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
        }
    }
}

/// <summary>The no-op job Hangfire runs (public and static so that Hangfire can serialise a call to it).</summary>
public static class HangfireNoopJob
{
    public static void Run()
    {
    }
}
