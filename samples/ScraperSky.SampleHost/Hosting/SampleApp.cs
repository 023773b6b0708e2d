using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Api;
using ScraperSky.SampleHost.Curation;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.FixtureWeb;
using ScraperSky.SampleHost.Http;
using ScraperSky.SampleHost.Jobs;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Hosting;

/// <summary>Builds the sample host: schema, fixture web, crawler, the four jobs and the API. Program and the tests both start it.</summary>
public static class SampleApp
{
    /// <summary>
    /// The configuration key (also an environment variable) of a direct connection for wake-up notifications when
    /// <c>SCRAPERSKY_PG_CONNECTION</c> goes through a pooler.
    /// </summary>
    public const string WakeUpConnectionKey = "SCRAPERSKY_PG_WAKEUP_CONNECTION";

    /// <summary>Where the operator's dashboard is mapped (loopback requests only).</summary>
    public const string DashboardPath = "/pipeline";

    /// <summary>The API's address when none is configured and the host keeps serving.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Applies the schema and builds the (not yet started) web application.</summary>
    /// <param name="options">The sample's switches.</param>
    /// <param name="connectionString">The application database.</param>
    /// <param name="configure">Last-minute changes, such as test settings.</param>
    public static async Task<WebApplication> CreateAsync(SampleHostOptions options, string connectionString, Action<WebApplicationBuilder>? configure = null)
    {
        await SchemaScript.ApplyAsync(connectionString);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = options.HostArguments, ContentRootPath = AppContext.BaseDirectory });

        // Defaults below every other source (appsettings, environment, command line): a demo drains fast because it
        // only talks to loopback, so it can afford short timeouts, no politeness pause and short intervals (the
        // workflows' interval is a code default of the library's settings, below their own configuration section).
        var demoTimings = options.Domains.Count == 0 && !options.Service;
        var defaults = new Dictionary<string, string?>();
        if (demoTimings)
        {
            defaults["Crawler:Timeout"] = "00:00:02";
            defaults["Crawler:PerHostDelay"] = "00:00:00";
        }

        if (options.SeedsDemo)
        {
            // The demo crawls its own fixture web on loopback; everything else keeps the crawler off private networks.
            defaults["Crawler:AllowPrivateNetworks"] = "true";
        }

        if (options.Service)
        {
            defaults["FixtureWeb:Enabled"] = "false";
        }

        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });

        // The seeds' {PREFIX}_SCHEDULER_* variables (DOMAIN_SCHEDULER_BATCH_SIZE=25…): each workflow reads those of its
        // prefix over its configuration section.
        builder.Configuration.AddStatusWorkflowEnvironmentVariables();
        if (builder.Configuration["urls"] is null)
        {
            builder.WebHost.UseUrls(options.ExitWhenDrained ? "http://127.0.0.1:0" : DefaultUrl);
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Warning);
        configure?.Invoke(builder);

        var configuration = builder.Configuration;
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddDbContext<ScraperSkyDb>(o => ScraperSkyDb.Configure(o, connectionString));

        // The fixture web first: hosted services start in registration order, so it listens before any workflow fetches.
        services.Configure<FixtureWebOptions>(configuration.GetSection(FixtureWebOptions.Section));
        services.AddSingleton(sp =>
        {
            var fixture = configuration.GetSection(FixtureWebOptions.Section).Get<FixtureWebOptions>() ?? new FixtureWebOptions();
            return new SyntheticWeb(fixture.Seed, fixture.HostSuffix, fixture.Sites);
        });
        services.AddSingleton<FakePlacesApi>();
        services.AddSingleton<FixtureWebResponder>();
        services.AddSingleton<FixtureWebServer>();
        services.AddHostedService(sp => sp.GetRequiredService<FixtureWebServer>());
        services.AddSingleton<FixtureHostRouting>();

        services.AddSingleton<SiteAddresses>();
        services.AddCrawler(configuration);
        services.AddScoped<CurationService>();
        services.AddScraperSkyWorkflows(configuration, demoTimings);
        services.AddSingleton<JobControl>();

        // Behind a transaction-mode pooler LISTEN cannot work: wake-up then listens on a direct connection to the same
        // database (the library's WakeUpConnectionString), unless a workflow's code or configuration section sets its own.
        if (configuration[WakeUpConnectionKey] is { Length: > 0 } wakeUpConnection)
        {
            services.ConfigureAll<StatusWorkflowOptions>(o => o.WakeUp.ConnectionString ??= wakeUpConnection);
        }

        // The operator's dashboard at /pipeline: mapped without a policy, so loopback requests only (and a loopback
        // caller may act: re-queue, cancel, pause, run now). A deployment puts .RequireAuthorization("…") on it.
        services.AddPipelineDashboard(o => o.Title = "ScraperSky");

        // Per-minute history in the library's own schema, for the dashboard's charts and errors page.
        services.AddPipelineHistory();
        services.Configure<DevToolsOptions>(configuration.GetSection(DevToolsOptions.Section));
        services.AddSampleHealthChecks();
        services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                // Malformed JSON bodies and the like: the same {"error": …} shape as every other 400.
                context.Response.StatusCode = ex.StatusCode;
                await context.Response.WriteAsJsonAsync(new ApiError(ex.Message));
            }
        });
        // Every refused request answers {"error": …}, also those that ASP.NET Core ends without a body (415 for a body
        // that is not JSON, 404 for an unknown route, 405 for a wrong method).
        app.UseStatusCodePages(context => context.HttpContext.Response.WriteAsJsonAsync(new ApiError(ErrorText(context.HttpContext))));
        app.UseDevToolsKey();
        app.MapRowEndpoints();
        app.MapJobEndpoints();
        app.MapHealthEndpoint();
        app.MapPipelineDashboard(DashboardPath);
        return app;
    }

    private static string ErrorText(HttpContext context) => context.Response.StatusCode switch
    {
        StatusCodes.Status415UnsupportedMediaType => "the body must be JSON: send Content-Type: application/json",
        StatusCodes.Status404NotFound => $"no endpoint at {context.Request.Path}",
        StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}",
        var code => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(code),
    };

    /// <summary>The dashboard's address, once started.</summary>
    public static Uri DashboardAddress(this WebApplication app) => new(app.ApiAddress(), DashboardPath + "/");

    /// <summary>The address the API listens on, once started.</summary>
    public static Uri ApiAddress(this WebApplication app)
        => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
