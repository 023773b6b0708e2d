using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using ScraperSky.Pipeline.Testing;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Hosting;

/// <summary>
/// A database that goes away and comes back (issue 3): the workflow backs off, reports unhealthy, and recovers by itself.
/// The class starts a PostgreSQL cluster of its own, because it stops it; other classes keep the shared one.
/// </summary>
public sealed class WorkflowRecoveryTests : IAsyncLifetime
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private ThrowawayPostgres? _server;
    private string _connectionString = string.Empty;

    // The test's own commands use a pool of their own, so that clearing it after the restart leaves the host's alone.
    private string HelperConnectionString => new NpgsqlConnectionStringBuilder(_connectionString) { ApplicationName = "test-helper" }.ConnectionString;

    public async Task InitializeAsync()
    {
        _server = await ThrowawayPostgres.StartAsync(new ThrowawayPostgresOptions { InstallServerIfMissing = true });
        _connectionString = await _server.CreateDatabaseAsync();
        await ExecuteAsync(TestSchema.Ddl);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Run_DatabaseStopsAndReturns_BacksOffReportsUnhealthyThenRecovers()
    {
        await SeedAsync(2);
        var time = new FakeTimeProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, _connectionString));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("work")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o =>
            {
                o.Schedule.Interval = Minute;
                o.Schedule.MaxConsecutiveFailures = 2;
                o.Schedule.FailureBackoff = TimeSpan.FromMinutes(10);
            });
        builder.Services.AddHealthChecks().AddPipelineHealthCheck();
        using var host = builder.Build();
        var scheduler = host.Services.GetRequiredService<IJobScheduler>();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var results = new Signals<JobRunResult>();
        scheduler.JobExecuted += (_, r) => results.Post(r);
        scheduler.JobFailed += (_, r) => results.Post(r);

        await host.StartAsync();
        (await results.NextAsync()).ItemsProcessed.Should().Be(2);

        await _server!.StopAsync();
        time.Advance(Minute);
        (await results.NextAsync()).Outcome.Should().Be(JobRunOutcome.Failed);
        (await health.CheckHealthAsync()).Status.Should().Be(HealthStatus.Degraded, "one failure is below the limit");
        time.Advance(Minute);
        (await results.NextAsync()).Outcome.Should().Be(JobRunOutcome.Failed);

        var backingOff = scheduler.GetJob("work")!;
        backingOff.State.Should().Be(ScheduledJobState.BackingOff);
        backingOff.NextRunTime.Should().Be(time.GetUtcNow() + (2 * Minute));
        var report = await health.CheckHealthAsync();
        report.Status.Should().Be(HealthStatus.Unhealthy);
        var entry = report.Entries[PipelineHealthChecksBuilderExtensions.DefaultName];
        entry.Description.Should().Contain("job 'work' is backing off after 2 failed runs in a row");
        ((IDictionary<string, object?>)entry.Data["job:work"])["state"].Should().Be("BackingOff");

        await _server.RestartAsync(immediate: false);
        NpgsqlConnection.ClearPool(new NpgsqlConnection(HelperConnectionString));
        await SeedAsync(3);

        // The first run after the restart may still meet a pooled connection the restart broke; the one after it cannot.
        JobRunResult result;
        var attempts = 0;
        do
        {
            attempts++;
            var next = scheduler.GetJob("work")!.NextRunTime!.Value;
            time.Advance(next - time.GetUtcNow());
            result = await results.NextAsync();
        }
        while (result.Outcome == JobRunOutcome.Failed && attempts < 3);

        result.Outcome.Should().Be(JobRunOutcome.Succeeded);
        result.ItemsProcessed.Should().Be(3);
        var recovered = scheduler.GetJob("work")!;
        recovered.State.Should().Be(ScheduledJobState.Scheduled);
        recovered.ConsecutiveFailures.Should().Be(0);
        (await health.CheckHealthAsync()).Status.Should().Be(HealthStatus.Healthy);
        (await CountCompletedAsync()).Should().Be(5);
        await host.StopAsync();
    }

    private Task SeedAsync(int count) => ExecuteAsync($"INSERT INTO enum_items (payload) SELECT 'item ' || g FROM generate_series(1, {count}) AS g");

    private async Task<long> CountCompletedAsync()
    {
        await using var connection = new NpgsqlConnection(HelperConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM enum_items WHERE status = 'Completed'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(HelperConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
