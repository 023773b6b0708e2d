using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ScraperSky.Pipeline.Chaos;

/// <summary>
/// The worker process: an ordinary application host using the library the way a user would (<c>AddDbContext</c> +
/// <c>AddStatusWorkflow</c>), with one lease-mode workflow and one or more atomic-batch workflows competing on the same
/// database. It runs until it is killed, or until the process that started it is gone.
/// </summary>
internal static class WorkerApp
{
    public static async Task<int> RunAsync(WorkerSettings settings)
    {
        var builder = Host.CreateApplicationBuilder([]);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A PostgreSQL restart fails every command in flight; EF Core's own error events would repeat the library's.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None);

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<CallLog>();
        builder.Services.AddDbContext<ChaosDb>(o => ChaosDb.Configure(o, settings.ConnectionString));
        builder.Services.AddStatusWorkflow<LeaseItem, ChaosStatus>("chaos_lease")
            .UseDbContext<ChaosDb>()
            .Status(x => x.Status, ChaosStatus.Queued, ChaosStatus.Processing, ChaosStatus.Completed, ChaosStatus.Error)
            .ErrorText(x => x.Error)
            .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
            .NextAttemptAt(x => x.NextAttemptAt)
            .UseProcessor<LeaseLedgerProcessor>()
            .Configure(o =>
            {
                o.Mode = ClaimMode.Lease;
                o.Batch.Size = settings.BatchSize;
                o.Parallelism = settings.LeaseParallelism;
                o.Schedule.Interval = settings.Interval;
                o.Lease.Duration = settings.Lease;
                o.Lease.RenewalInterval = settings.Lease / 10;
                o.ItemTimeout = settings.ItemTimeout;
                // Kills and restarts, not the processor, are what fails here: give items room to survive several.
                o.Retry.MaxAttempts = settings.MaxAttempts;
                o.Retry.Delay = TimeSpan.FromMilliseconds(200);
                o.Retry.MaxDelay = TimeSpan.FromSeconds(2);
            });

        // Several atomic loops in one process compete for the same table, as several hosts would (SKIP LOCKED).
        for (var loop = 1; loop <= settings.AtomicLoops; loop++)
        {
            builder.Services.AddStatusWorkflow<AtomicItem, ChaosStatus>("chaos_atomic_" + loop.ToString(CultureInfo.InvariantCulture))
                .UseDbContext<ChaosDb>()
                .Status(x => x.Status, ChaosStatus.Queued, ChaosStatus.Processing, ChaosStatus.Completed, ChaosStatus.Error)
                .ErrorText(x => x.Error)
                .UseProcessor<AtomicLedgerProcessor>()
                .Configure(o =>
                {
                    o.Batch.Size = settings.BatchSize;
                    o.Schedule.Interval = settings.Interval;
                    // An atomic item that times out ends as error: give a busy machine plenty of room.
                    o.ItemTimeout = TimeSpan.FromSeconds(30);
                });
        }

        using var host = builder.Build();
        using var orphaned = new CancellationTokenSource();
        _ = WatchParentAsync(settings.ParentProcessId, orphaned);
        await host.StartAsync(orphaned.Token);
        try
        {
            await host.WaitForShutdownAsync(orphaned.Token);
        }
        catch (OperationCanceledException) when (orphaned.IsCancellationRequested)
        {
            // The harness is gone (killed itself): leave nothing behind.
        }

        await host.StopAsync(TimeSpan.FromSeconds(5));
        return 0;
    }

    /// <summary>Ends the worker when the harness that started it has died, even by SIGKILL.</summary>
    private static async Task WatchParentAsync(int parentProcessId, CancellationTokenSource orphaned)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync())
        {
            if (!IsAlive(parentProcessId))
            {
                await orphaned.CancelAsync();
                return;
            }
        }
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
            var end = stat.LastIndexOf(')');
            return !(end >= 0 && end + 2 < stat.Length && stat[end + 2] is 'Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>How one worker process runs; passed on its command line by the harness.</summary>
internal sealed record WorkerSettings(
    string Name,
    string ConnectionString,
    int ParentProcessId,
    int BatchSize,
    int LeaseParallelism,
    int AtomicLoops,
    TimeSpan Interval,
    TimeSpan Lease,
    TimeSpan ItemTimeout,
    int MaxAttempts,
    TimeSpan WorkMin,
    TimeSpan WorkMax)
{
    /// <summary>Whether each lease-mode call that returns is recorded in <c>returns</c> (the slow profile's check).</summary>
    public bool RecordsReturns => WorkMax > TimeSpan.Zero;

    public IEnumerable<string> ToArguments() =>
    [
        "worker",
        "--name", Name,
        "--connection", ConnectionString,
        "--parent", ParentProcessId.ToString(CultureInfo.InvariantCulture),
        "--batch", BatchSize.ToString(CultureInfo.InvariantCulture),
        "--lease-parallelism", LeaseParallelism.ToString(CultureInfo.InvariantCulture),
        "--atomic-loops", AtomicLoops.ToString(CultureInfo.InvariantCulture),
        "--interval-ms", ((int)Interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        "--lease-ms", ((int)Lease.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        "--item-timeout-ms", ((int)ItemTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        "--max-attempts", MaxAttempts.ToString(CultureInfo.InvariantCulture),
        "--work-min-ms", ((int)WorkMin.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        "--work-max-ms", ((int)WorkMax.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
    ];

    public static WorkerSettings Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        int Int(string key) => int.Parse(values[key], CultureInfo.InvariantCulture);
        return new WorkerSettings(
            values["--name"],
            values["--connection"],
            Int("--parent"),
            Int("--batch"),
            Int("--lease-parallelism"),
            Int("--atomic-loops"),
            TimeSpan.FromMilliseconds(Int("--interval-ms")),
            TimeSpan.FromMilliseconds(Int("--lease-ms")),
            TimeSpan.FromMilliseconds(Int("--item-timeout-ms")),
            Int("--max-attempts"),
            TimeSpan.FromMilliseconds(Int("--work-min-ms")),
            TimeSpan.FromMilliseconds(Int("--work-max-ms")));
    }
}
