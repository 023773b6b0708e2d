using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Testing;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Reliability;

/// <summary>
/// A host whose database is down when it starts (issue 8): it stays up, reports the failures, keeps trying and recovers
/// once the database is back. A server of its own, because the test stops it.
/// </summary>
public sealed class DatabaseUnreachableTests : IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(60);
    private ThrowawayPostgres? _server;
    private string _connectionString = string.Empty;

    public async Task InitializeAsync()
    {
        _server = await ThrowawayPostgres.StartAsync(new ThrowawayPostgresOptions { InstallServerIfMissing = true });
        _connectionString = await _server.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            TestSchema.Ddl + "INSERT INTO lease_items (payload) SELECT 'l' || g FROM generate_series(1, 5) AS g; INSERT INTO enum_items (payload) SELECT 'a' || g FROM generate_series(1, 5) AS g;",
            connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task StartAsync_DatabaseDownThenBack_HostStaysUpReportsRetriesAndDrainsBothModes()
    {
        await _server!.StopAsync();
        var logs = new LogSignal();
        using var host = BuildHost(logs);

        await host.StartAsync().WaitAsync(Ceiling);
        // Both workflows defer their start-up check, then fail run after run while the server is down.
        await logs.WhenLogged(2002, 6).WaitAsync(Ceiling);
        await _server.RestartAsync(immediate: false);
        var drained = await WaitUntilAsync("SELECT (SELECT count(*) FROM lease_items WHERE status = 'Completed') + (SELECT count(*) FROM enum_items WHERE status = 'Completed')", 10);
        await host.StopAsync().WaitAsync(Ceiling);

        drained.Should().BeTrue("both workflows recover once the database is reachable");
        logs.Events.Where(e => e.EventId == 1007).Select(e => e.Message).Should().HaveCount(2)
            .And.Contain(m => m.Contains("'lease'", StringComparison.Ordinal)).And.Contain(m => m.Contains("'atomic'", StringComparison.Ordinal));
        var failures = logs.Events.Where(e => e.EventId == 2002).ToList();
        failures.Should().OnlyContain(e => e.Level == LogLevel.Error && e.Exception != null, "each failed run is logged with its cause");
        failures.Select(e => e.Exception).Should().Contain(ex => Unwrap(ex!).Any(inner => inner is NpgsqlException || inner is System.Net.Sockets.SocketException));
        (await ScalarAsync("SELECT count(*) FROM lease_items WHERE status = 'Completed' AND attempts = 0 AND error IS NULL")).Should().Be(5, "no attempt fails while the database is away, and a completed row's attempt count restarts");
    }

    private IHost BuildHost(LogSignal logs)
    {
        // A short connect timeout: the server is either there or refusing, never slow.
        var connectionString = new NpgsqlConnectionStringBuilder(_connectionString) { Timeout = 3 }.ConnectionString;
        var builder = BothModesHost.Create(logs, o => TestSchema.UseTestDatabase(o, connectionString));
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddSingleton<LeaseScript>();
        return builder.Build();
    }

    private Task<bool> WaitUntilAsync(string sql, long expected)
        => Polling.UntilAsync(async () => await ScalarAsync(sql) == expected, Ceiling);

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static IEnumerable<Exception> Unwrap(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }
}
