using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ScraperSky.Pipeline.Testing;

namespace ScraperSky.Pipeline.Dashboard.Tests.Browser;

/// <summary>
/// A real app on a real Kestrel port on 127.0.0.1: the library's workflow "orders" (disabled here, so rows stay where
/// the test puts them) over a table on the throwaway PostgreSQL, and the dashboard at /pipeline.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, string connectionString)
    {
        _app = app;
        ConnectionString = connectionString;
        BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public string ConnectionString { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the app. With <paramref name="viewerOnly"/> every request is the signed-in user "viewer" behind the "ops" policy, and the app's resolver lets it view only.</summary>
    /// <remarks>
    /// With <paramref name="cluster"/> the library's cluster coordination runs too (hosts, cluster-wide pause). With
    /// <paramref name="history"/> the pipeline history is recorded and the workflow runs here (its processor fails every
    /// third order), so the test drains queued rows into history.
    /// </remarks>
    public static async Task<DashboardHost> StartAsync(bool viewerOnly = false, bool cluster = false, bool history = false, string? database = null)
    {
        // A database of its own, or the one given (a host started again on an earlier host's data).
        var connectionString = database ?? await PostgresServer.CreateDatabaseAsync();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var ddl = new NpgsqlCommand(ShopDb.Ddl, connection);
            await ddl.ExecuteNonQueryAsync();
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddDbContext<ShopDb>(o => o.UseNpgsql(connectionString));
        builder.Services.AddStatusWorkflow<Order, OrderStatus>("orders")
            .UseDbContext<ShopDb>()
            .Status(o => o.Status, OrderStatus.Queued, OrderStatus.Processing, OrderStatus.Completed, OrderStatus.Error)
            .ErrorText(o => o.Error)
            .UpdatedAt(o => o.UpdatedAt)
            .UseProcessor<OrderProcessor>()
            .Configure(o =>
            {
                o.Enabled = history;
                o.Schedule.Interval = TimeSpan.FromSeconds(1);
            });
        if (cluster)
        {
            builder.Services.AddPipelineCluster(connectionString);
        }

        if (history)
        {
            builder.Services.AddPipelineHistory();
        }

        builder.Services.AddScheduledJob("nightly-report", _ => Task.FromResult(0), o => o.Interval = TimeSpan.FromHours(1));
        builder.Services.AddPipelineDashboard(o =>
        {
            o.SampleInterval = TimeSpan.FromMilliseconds(250);
            if (viewerOnly)
            {
                o.Authorize = c => ValueTask.FromResult(c.Permission == DashboardPermission.View);
            }
        });
        if (viewerOnly)
        {
            builder.Services.AddAuthentication(Viewer.SchemeName).AddScheme<AuthenticationSchemeOptions, Viewer>(Viewer.SchemeName, null);
            builder.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireAuthenticatedUser()));
        }

        var app = builder.Build();
        if (viewerOnly)
        {
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapPipelineDashboard("/pipeline").RequireAuthorization("ops");
        }
        else
        {
            app.MapPipelineDashboard("/pipeline");
        }

        await app.StartAsync();
        return new DashboardHost(app, connectionString);
    }

    public Uri Page(string relative) => new(BaseAddress, "/pipeline/" + relative);

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<Dictionary<string, long>> CountByStatusAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT status, count(*) FROM orders GROUP BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Signs every request in as "viewer".</summary>
    private sealed class Viewer(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "Viewer";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
            => Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "viewer")], SchemeName)), SchemeName)));
    }
}
