using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Reliability;

/// <summary>
/// The host most reliability tests run: a lease-mode workflow over <c>lease_items</c> ("lease") and an atomic-batch
/// workflow over <c>enum_items</c> ("atomic"), polling every 100 ms, logging into a <see cref="LogSignal"/>. The caller
/// registers the processors' scripts and builds it.
/// </summary>
internal static class BothModesHost
{
    public static HostApplicationBuilder Create(
        LogSignal logs,
        Action<DbContextOptionsBuilder> useDatabase,
        Action<StatusWorkflowOptions>? lease = null,
        Action<StatusWorkflowOptions>? atomic = null,
        bool nextAttempt = false)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Services.AddDbContext<LeaseWorkDb>(useDatabase);
        builder.Services.AddDbContext<EnumWorkDb>(useDatabase);
        var w = builder.Services.AddStatusWorkflow<LeaseItem, JobStatus>("lease");
        w.UseDbContext<LeaseWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
            .UseProcessor<LeaseProcessor>()
            .Configure(o =>
            {
                o.Mode = ClaimMode.Lease;
                o.Schedule.Interval = TimeSpan.FromMilliseconds(100);
                o.ItemTimeout = TimeSpan.FromSeconds(30);
                lease?.Invoke(o);
            });
        if (nextAttempt)
        {
            w.NextAttemptAt(x => x.NextAttemptAt);
        }

        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("atomic")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o =>
            {
                o.Schedule.Interval = TimeSpan.FromMilliseconds(100);
                atomic?.Invoke(o);
            });
        return builder;
    }
}
