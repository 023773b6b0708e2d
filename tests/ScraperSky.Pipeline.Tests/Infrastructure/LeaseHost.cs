using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>
/// A generic host built the way an application builds one: lease-mode workflows over <c>lease_items</c> (every
/// optional column mapped), polling every hour unless the test says otherwise, the processor running the test's
/// <see cref="LeaseScript"/>. Several hosts may share one script, so calls are counted across them.
/// </summary>
internal sealed class LeaseHost : IAsyncDisposable
{
    private LeaseHost(IHost host) => Host = host;

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    public IJobScheduler Scheduler => Host.Services.GetRequiredService<IJobScheduler>();

    /// <summary>Builds a host with one lease-mode workflow; <see cref="StartAsync"/> starts it.</summary>
    public static LeaseHost Create(
        string connectionString,
        LeaseScript script,
        Action<StatusWorkflowOptions> configure,
        string name = "lease",
        Action<StatusWorkflowBuilder<LeaseItem, JobStatus>>? build = null,
        TimeProvider? time = null)
        => Create(connectionString, script, services => services.AddLeaseWorkflow(name, configure, build), time);

    /// <summary>Builds a host whose workflows <paramref name="register"/> adds (see <see cref="AddLeaseWorkflow"/>).</summary>
    public static LeaseHost Create(string connectionString, LeaseScript script, Action<IServiceCollection> register, TimeProvider? time = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSingleton(script);
        builder.Services.AddDbContext<LeaseWorkDb>(o => TestSchema.UseTestDatabase(o, connectionString));
        register(builder.Services);
        return new LeaseHost(builder.Build());
    }

    /// <summary>Builds and starts a host with one lease-mode workflow.</summary>
    public static async Task<LeaseHost> StartAsync(
        string connectionString,
        LeaseScript script,
        Action<StatusWorkflowOptions> configure,
        string name = "lease",
        Action<StatusWorkflowBuilder<LeaseItem, JobStatus>>? build = null,
        TimeProvider? time = null)
    {
        var host = Create(connectionString, script, configure, name, build, time);
        await host.StartAsync();
        return host;
    }

    public Task StartAsync() => Host.StartAsync();

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await Host.StopAsync(stop.Token);
        }
        finally
        {
            Host.Dispose();
        }
    }
}

/// <summary>Registration of the lease-mode test workflow.</summary>
internal static class LeaseWorkflowRegistration
{
    /// <summary>
    /// Adds a lease-mode workflow over <c>lease_items</c> with every optional column; polling every hour (the first run
    /// starts with the host), so only the engine's own wake-ups explain a later run unless the test shortens it.
    /// </summary>
    public static IServiceCollection AddLeaseWorkflow(
        this IServiceCollection services,
        string name,
        Action<StatusWorkflowOptions> configure,
        Action<StatusWorkflowBuilder<LeaseItem, JobStatus>>? build = null)
    {
        var w = services.AddStatusWorkflow<LeaseItem, JobStatus>(name);
        w.UseDbContext<LeaseWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
            .NextAttemptAt(x => x.NextAttemptAt)
            .UpdatedAt(x => x.UpdatedAt)
            .UseProcessor<LeaseProcessor>()
            .Configure(o =>
            {
                o.Mode = ClaimMode.Lease;
                o.Schedule.Interval = TimeSpan.FromHours(1);
                o.ItemTimeout = TimeSpan.FromSeconds(30);
                o.StartupCheck = StartupCheckMode.Off;
                configure(o);
            });
        build?.Invoke(w);
        return services;
    }
}

/// <summary>Reads of <c>lease_items</c> the engine tests repeat.</summary>
internal static class LeaseItems
{
    /// <summary>Inserts rows with the given payloads (ids 1, 2, … in order after a reset) and tenant.</summary>
    public static Task InsertAsync(SchemaFixture db, params string[] payloads)
        => db.Database.ExecuteAsync("INSERT INTO lease_items (payload) VALUES " + string.Join(", ", payloads.Select(p => $"('{p}')")));

    /// <summary>The status of one row, as text.</summary>
    public static Task<string> StatusAsync(SchemaFixture db, long id)
        => db.Database.ScalarAsync<string>($"SELECT status::text FROM lease_items WHERE id = {id}");

    /// <summary>"id:status/attempts" of every row, in id order: what a failed assertion should show.</summary>
    public static Task<string> DescribeAsync(SchemaFixture db)
        => db.Database.ScalarAsync<string>("SELECT coalesce(string_agg(id || ':' || status::text || '/' || attempts || coalesce(' ' || error, ''), ', ' ORDER BY id), '') FROM lease_items");

    /// <summary>Counts rows in a status.</summary>
    public static Task<long> CountAsync(SchemaFixture db, string status)
        => db.Database.ScalarAsync<long>($"SELECT count(*) FROM lease_items WHERE status = '{status}'");

    /// <summary>Reads one boolean on a connection of its own (the database's view, not the engine's).</summary>
    public static async Task<bool> BooleanAsync(string connectionString, string sql, long id)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
