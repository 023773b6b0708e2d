using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Cluster;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Cluster;

/// <summary>
/// One host of a test cluster: a generic host with the cluster services on the test's database (and schema), the
/// scheduler and the cluster's SQL on the test's shared fake clock, and every run result of every job posted to
/// <see cref="ResultsOf"/> (executed, failed and skipped alike), so that a test awaits what happened on which host.
/// </summary>
internal sealed class ClusterTestHost : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Signals<JobRunResult>> _results = new(StringComparer.Ordinal);
    private bool _stopped;

    private ClusterTestHost(IHost host, string name)
    {
        Host = host;
        Name = name;
        var scheduler = Scheduler;
        scheduler.JobExecuted += (_, r) => ResultsOf(r.JobId).Post(r);
        scheduler.JobFailed += (_, r) => ResultsOf(r.JobId).Post(r);
        scheduler.JobSkipped += (_, r) => ResultsOf(r.JobId).Post(r);
    }

    public IHost Host { get; }

    public string Name { get; }

    public IJobScheduler Scheduler => Host.Services.GetRequiredService<IJobScheduler>();

    public IPipelineCluster Cluster => Host.Services.GetRequiredService<IPipelineCluster>();

    public string HostId => Host.Services.GetRequiredService<ClusterHostIdentity>().HostId;

    /// <summary>The results of one job on this host, in the order its runs ended.</summary>
    public Signals<JobRunResult> ResultsOf(string jobId) => _results.GetOrAdd(jobId, static _ => new Signals<JobRunResult>());

    /// <summary>Builds a host; <paramref name="register"/> adds its jobs or workflows after the cluster services.</summary>
    public static ClusterTestHost Create(
        string name,
        string connectionString,
        string schema,
        TimeProvider? time,
        Action<IServiceCollection> register,
        Action<PipelineClusterOptions>? configure = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
            builder.Services.AddSingleton(new SqlClock(time));
        }

        builder.Services.AddPipelineCluster(o =>
        {
            o.ConnectionString = connectionString;
            o.Schema = schema;
            configure?.Invoke(o);
        });
        register(builder.Services);
        return new ClusterTestHost(builder.Build(), name);
    }

    /// <summary>Builds and starts a host with one plain job whose runs count into <paramref name="runs"/>.</summary>
    public static async Task<ClusterTestHost> StartWithJobAsync(
        string name,
        string connectionString,
        string schema,
        FakeTimeProvider time,
        string jobId,
        Signals<(string Host, DateTimeOffset Scheduled)> runs,
        Action<ScheduledJobOptions> configureJob,
        Action<PipelineClusterOptions>? configure = null)
    {
        var host = Create(name, connectionString, schema, time, services => services.AddScheduledJob(
            jobId,
            context =>
            {
                runs.Post((name, context.ScheduledTime));
                return Task.FromResult(1);
            },
            configureJob), configure);
        await host.Host.StartAsync();
        return host;
    }

    /// <summary>Waits for the next result of <paramref name="jobId"/> scheduled at or after <paramref name="notBefore"/>.</summary>
    public async Task<JobRunResult> NextResultAsync(string jobId, DateTimeOffset notBefore = default)
    {
        while (true)
        {
            var result = await ResultsOf(jobId).NextAsync();
            if (result.ScheduledTime >= notBefore)
            {
                return result;
            }
        }
    }

    /// <summary>Stops the host gracefully (its cleanup removes its heartbeat row).</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_stopped)
            {
                await StopAsync();
            }
        }
        finally
        {
            Host.Dispose();
        }
    }
}
