using ScraperSky.Pipeline.Hosting;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ScraperSky.Pipeline.Tests.Infrastructure;
using ScraperSky.Pipeline.WakeUp;

namespace ScraperSky.Pipeline.Tests.Hosting;

/// <summary>LISTEN/NOTIFY wake-up against the real PostgreSQL (issue 6). Polling is set to an hour, so only a notification explains a prompt start.</summary>
public sealed class WakeUpListenerTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RowQueuedByPlainSql_StartsWithoutWaitingForThePoll()
    {
        await db.Database.ExecuteAsync("INSERT INTO enum_items (payload) VALUES ('sentinel')");
        await using var running = await StartAsync("wake_plain");
        await running.Processed("sentinel").WaitAsync(Ceiling);

        await db.Database.ExecuteAsync("INSERT INTO enum_items (payload) VALUES ('by psql')");

        await running.Processed("by psql").WaitAsync(Ceiling);
    }

    [Fact]
    public async Task RowUpdatedToQueued_Wakes()
    {
        await db.Database.ExecuteAsync("INSERT INTO enum_items (payload, status) VALUES ('sentinel', 'Queued'), ('done before', 'Completed')");
        await using var running = await StartAsync("wake_update");
        await running.Processed("sentinel").WaitAsync(Ceiling);

        await db.Database.ExecuteAsync("UPDATE enum_items SET status = 'Queued' WHERE payload = 'done before'");

        await running.Processed("done before").WaitAsync(Ceiling);
    }

    /// <summary>
    /// Regression (CI under load): any number of notifications that arrive while a run is busy become one run after it.
    /// The assertion counts runs around awaited points, never claims within a time window, so a slow machine cannot fail it.
    /// </summary>
    [Fact]
    public async Task BurstOfNotifications_WhileARunIsBusy_CoalescesIntoOneRun()
    {
        await db.Database.ExecuteAsync("INSERT INTO enum_items (payload) VALUES ('gate')");
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var running = await StartAsync("wake_burst", async (item, ct) =>
        {
            if (item.Payload == "gate")
            {
                entered.TrySetResult();
                await release.Task.WaitAsync(ct);
            }
        });
        var scheduler = running.Host.Services.GetRequiredService<IJobScheduler>();
        var runs = 0;
        var ended = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        scheduler.JobExecuted += (_, result) =>
        {
            if (result.JobId == "wake_burst")
            {
                var n = Interlocked.Increment(ref runs);
                if (n <= ended.Length)
                {
                    ended[n - 1].TrySetResult();
                }
            }
        };
        await entered.Task.WaitAsync(Ceiling);
        var channel = running.Host.Services.GetRequiredService<StatusWorkflowScripts>().WakeUpChannel("wake_burst");
        var signal = running.Host.Services.GetRequiredService<WakeSignals>().For("wake_burst");
        var raisedBefore = signal.Raised;

        // 10,000 distinct notifications (distinct payloads are not merged by PostgreSQL), all delivered while the run is busy.
        await db.Database.ExecuteAsync($"DO $$ BEGIN FOR i IN 1..10000 LOOP PERFORM pg_notify('{channel}', i::text); END LOOP; END $$");
        await WaitUntilAsync(() => signal.Raised - raisedBefore >= 10_000);
        release.TrySetResult();

        // The busy run ends, then exactly one run follows for the whole burst; a later row needs a run of its own.
        await ended[1].Task.WaitAsync(Ceiling);
        await db.Database.ExecuteAsync("INSERT INTO enum_items (payload) VALUES ('after the burst')");
        await running.Processed("after the burst").WaitAsync(Ceiling);
        await ended[2].Task.WaitAsync(Ceiling);

        Volatile.Read(ref runs).Should().Be(3, "notifications that arrive while a run is busy are coalesced into one run after it");
    }

    [Fact]
    public async Task ListenerConnectionKilled_ReconnectsAndKeepsWaking()
    {
        await db.Database.ExecuteAsync("INSERT INTO enum_items (payload) VALUES ('sentinel')");
        await using var running = await StartAsync("wake_killed");
        await running.Processed("sentinel").WaitAsync(Ceiling);
        var listener = running.Host.Services.GetRequiredService<WakeUpListener>();
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Listening += () => reconnected.TrySetResult();

        await db.Database.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{WakeUpListener.ApplicationName}' AND datname = current_database()");
        await reconnected.Task.WaitAsync(Ceiling);
        await db.Database.ExecuteAsync("INSERT INTO enum_items (payload) VALUES ('after reconnect')");

        await running.Processed("after reconnect").WaitAsync(Ceiling);
        listener.Connections.Should().Be(2);
    }

    /// <summary>
    /// The catalog reports a lost listener as Reconnecting until it listens again. The reconnect back-off runs on a fake
    /// clock, so the Reconnecting state holds until the test advances it: no race with a fast reconnect.
    /// </summary>
    [Fact]
    public async Task ListenerConnectionKilled_WakeUpStatusIsReconnecting_ThenListeningAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var running = await StartAsync("wake_state", time: time);
        var catalog = running.Host.Services.GetRequiredService<IPipelineCatalog>();
        var listener = running.Host.Services.GetRequiredService<WakeUpListener>();
        catalog.GetWakeUpStatus("wake_state").State.Should().Be(WakeUpState.Listening);

        await db.Database.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{WakeUpListener.ApplicationName}' AND datname = current_database()");
        await WaitUntilAsync(() => catalog.GetWakeUpStatus("wake_state").State == WakeUpState.Reconnecting);

        var lost = catalog.GetWakeUpStatus("wake_state");
        lost.Reason.Should().Contain("listening connection was lost");
        lost.Since.Should().Be(time.GetUtcNow());
        listener.Connections.Should().Be(1, "the back-off delay runs on the fake clock, so the listener waits until it is advanced");

        time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => catalog.GetWakeUpStatus("wake_state").State == WakeUpState.Listening);

        catalog.GetWakeUpStatus("wake_state").Reason.Should().BeNull();
        listener.Connections.Should().Be(2);
    }

    [Fact]
    public async Task WakeUpStatus_UnknownWorkflow_ThrowsNamingIt()
    {
        await using var running = await StartAsync("wake_known");
        var catalog = running.Host.Services.GetRequiredService<IPipelineCatalog>();

        catalog.Invoking(c => c.GetWakeUpStatus("nope")).Should().Throw<ArgumentException>().WithMessage("*'nope'*wake_known*");
    }

    [Fact]
    public async Task WakeUpTrigger_NotifiesOnlyWhenStatusBecomesQueued()
    {
        await using var running = await StartAsync("wake_ddl");
        var channel = running.Host.Services.GetRequiredService<StatusWorkflowScripts>().WakeUpChannel("wake_ddl");
        await db.Database.ExecuteAsync("INSERT INTO enum_items (payload, status) VALUES ('a', 'Completed')");
        await using var listen = new NpgsqlConnection(db.ConnectionString);
        await listen.OpenAsync();
        var received = new ConcurrentQueue<string>();
        var sentinel = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listen.Notification += (_, e) =>
        {
            received.Enqueue(e.Channel + ":" + e.Payload);
            if (e.Payload == "sentinel")
            {
                sentinel.TrySetResult();
            }
        };
        await using (var command = new NpgsqlCommand($"LISTEN \"{channel}\"", listen))
        {
            await command.ExecuteNonQueryAsync();
        }

        var waiting = Task.Run(async () =>
        {
            while (!sentinel.Task.IsCompleted)
            {
                await listen.WaitAsync(Ceiling);
            }
        });
        await db.Database.ExecuteAsync("UPDATE enum_items SET payload = 'b' WHERE payload = 'a'");
        await db.Database.ExecuteAsync("UPDATE enum_items SET status = 'Error' WHERE payload = 'b'");
        await db.Database.ExecuteAsync($"SELECT pg_notify('{channel}', 'sentinel')");
        await waiting.WaitAsync(Ceiling);

        received.Should().Equal($"{channel}:sentinel");
    }

    [Fact]
    public void Channel_LongOrOddWorkflowName_IsAValidIdentifier()
    {
        WakeUpSql.Channel("process_pending_domains").Should().Be("scrapersky_process_pending_domains");
        WakeUpSql.Channel("Sitemap Import/" + new string('x', 80)).Should().HaveLength(63).And.StartWith("scrapersky_sitemap_import_x");
    }

    private async Task<RunningHost> StartAsync(string name, Func<WorkItem, CancellationToken, Task>? before = null, TimeProvider? time = null)
    {
        var processed = new ConcurrentDictionary<string, TaskCompletionSource>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>(name)
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o =>
            {
                o.Schedule.Interval = TimeSpan.FromHours(1);
                o.WakeUp.Enabled = true;
                o.WakeUp.InstallTrigger = true;
            });
        var host = builder.Build();
        host.Services.GetRequiredService<ProcessorScript>().Body = async (item, _, ct) =>
        {
            if (before is not null)
            {
                await before(item, ct);
            }

            processed.GetOrAdd(item.Payload, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return ItemResult.Completed;
        };
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<WakeUpListener>().Listening += () => listening.TrySetResult();
        var running = new RunningHost(host, processed, name);
        await host.StartAsync();
        await listening.Task.WaitAsync(Ceiling);
        return running;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        using var ceiling = new CancellationTokenSource(Ceiling);
        while (!condition())
        {
            await timer.WaitForNextTickAsync(ceiling.Token);
        }
    }

    private sealed class RunningHost : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _processed;
        private readonly MeterListener _claims = new();
        private long _claimCount;

        public RunningHost(IHost host, ConcurrentDictionary<string, TaskCompletionSource> processed, string workflow)
        {
            Host = host;
            _processed = processed;
            _claims.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PipelineDiagnostics.MeterName && instrument.Name == "scrapersky.pipeline.claim.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _claims.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == PipelineDiagnostics.WorkflowTag && (string?)tag.Value == workflow)
                    {
                        Interlocked.Increment(ref _claimCount);
                    }
                }
            });
            _claims.Start();
        }

        public IHost Host { get; }

        public long Claims => Interlocked.Read(ref _claimCount);

        public Task Processed(string payload) => _processed.GetOrAdd(payload, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public async ValueTask DisposeAsync()
        {
            _claims.Dispose();
            await Host.StopAsync();
            Host.Dispose();
        }
    }
}
