using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ScraperSky.Pipeline.Dashboard.Tests.Infrastructure;

/// <summary>
/// An in-memory app that mounts the dashboard, for its HTTP and permission logic: a peer address of the test's
/// choosing (no real socket), a header-driven test login (<c>X-Test-User: name; role, role</c>), the "ops" policy
/// (authenticated), and the services each test registers (small in-test implementations; no SQL is involved here).
/// </summary>
public sealed class DashboardAppFactory(
    Action<IServiceCollection> services,
    Action<IEndpointRouteBuilder> map,
    string remoteIp = "127.0.0.1",
    string? pathBase = null) : WebApplicationFactory<DashboardAppFactory>
{
    public const string UserHeader = "X-Test-User";

    public LogCapture Logs { get; } = new();

    /// <summary>The test assembly's folder: the app has no content of its own (the factory would look for a project folder).</summary>
    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseContentRoot(AppContext.BaseDirectory);

    protected override IHostBuilder CreateHostBuilder()
        => Host.CreateDefaultBuilder().ConfigureWebHost(web => web
            .ConfigureLogging(logging => logging.AddProvider(Logs))
            .ConfigureServices(s =>
            {
                s.AddRouting();
                s.AddAuthentication(TestAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, TestAuthentication>(TestAuthentication.SchemeName, null);
                s.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireAuthenticatedUser()));
                services(s);
            })
            .Configure(app =>
            {
                app.Use((context, next) =>
                {
                    // The socket's peer as Kestrel would set it.
                    context.Connection.RemoteIpAddress = IPAddress.Parse(remoteIp);
                    return next(context);
                });
                if (pathBase is not null)
                {
                    app.UsePathBase(pathBase);
                }

                app.UseRouting();
                app.UseAuthentication();
                app.UseAuthorization();
                app.UseEndpoints(map);
            }));

    /// <summary>A client that keeps cookies and does not follow redirects.</summary>
    public HttpClient Client(string? user = null)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add(UserHeader, user);
        }

        return client;
    }

    /// <summary>Reads a page and returns the antiforgery field and token from its meta tags.</summary>
    public static async Task<(string Field, string Token)> TokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        var field = Regex.Match(html, "<meta name=\"pipeline-token-field\" content=\"([^\"]+)\">").Groups[1].Value;
        var token = Regex.Match(html, "<meta name=\"pipeline-token\" content=\"([^\"]+)\">").Groups[1].Value;
        field.Should().NotBeEmpty("every page carries the antiforgery field name");
        return (field, WebUtility.HtmlDecode(token));
    }
}

/// <summary>Authenticates <c>X-Test-User: name; role, role</c>; no header, no user.</summary>
public sealed class TestAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers[DashboardAppFactory.UserHeader].ToString() is not { Length: > 0 } header)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var parts = header.Split(';', 2);
        var claims = new List<Claim> { new(ClaimTypes.Name, parts[0].Trim()) };
        if (parts.Length > 1)
        {
            claims.AddRange(parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => new Claim(ClaimTypes.Role, r)));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}

/// <summary>Keeps every log message, for tests that check what the dashboard logged.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(EventId Id, LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(EventId Id, LogLevel Level, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner._entries.Enqueue((eventId, logLevel, formatter(state, exception)));
    }
}
