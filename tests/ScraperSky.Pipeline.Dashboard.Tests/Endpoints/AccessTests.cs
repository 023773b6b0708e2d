using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Dashboard.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Dashboard.Tests.Endpoints;

/// <summary>Closed by default: who reaches the dashboard, by how it was mapped and where the request comes from.</summary>
public sealed class AccessTests
{
    private static void Services(IServiceCollection services) => services
        .AddSingleton<IPipelineCatalog, FakeCatalog>()
        .AddSingleton<IStatusWorkflowQueues, FakeQueues>()
        .AddPipelineDashboard();

    [Fact]
    public async Task NoPolicy_RemoteAddress_IsRefusedAndWarned()
    {
        await using var app = new DashboardAppFactory(Services, e => e.MapPipelineDashboard("/pipeline"), remoteIp: "203.0.113.7");
        using var client = app.Client();

        foreach (var path in new[] { "/pipeline/", "/pipeline/jobs", "/pipeline/rows?name=orders", "/pipeline/events", "/pipeline/dashboard.js" })
        {
            using var response = await client.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden, path);
            (await response.Content.ReadAsStringAsync()).Should().Contain("loopback requests only");
        }

        app.Logs.Entries.Should().ContainSingle(e => e.Id.Id == 8000 && e.Level == LogLevel.Warning, "the warning is logged once per process")
            .Which.Message.Should().Contain("/pipeline");
    }

    [Fact]
    public async Task NoPolicy_AtStartUp_WarnsBeforeAnyRequest()
    {
        // A real WebApplication on Kestrel: routing builds its endpoints lazily, at the first request.
        var logs = new LogCapture();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(logs);
        Services(builder.Services);
        await using var app = builder.Build();
        app.MapPipelineDashboard("/ops/pipeline");

        await app.StartAsync();

        logs.Entries.Should().ContainSingle(e => e.Id.Id == 8000).Which.Message.Should().Contain("/ops/pipeline").And.Contain(".RequireAuthorization");
        await app.StopAsync();
    }

    [Fact]
    public async Task NoPolicy_Loopback_IsServed()
    {
        await using var app = new DashboardAppFactory(Services, e => e.MapPipelineDashboard("/pipeline"));
        using var client = app.Client();

        using var response = await client.GetAsync("/pipeline/");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain("data-workflow=\"orders\"");
    }

    [Theory]
    [InlineData("X-Forwarded-For", "198.51.100.4")]
    [InlineData("Forwarded", "for=198.51.100.4")]
    [InlineData("X-Real-IP", "198.51.100.4")]
    public async Task NoPolicy_LoopbackPeerWithForwardingHeader_IsRefused(string header, string value)
    {
        // A reverse proxy on the same machine connects from loopback on behalf of anyone.
        await using var app = new DashboardAppFactory(Services, e => e.MapPipelineDashboard("/pipeline"));
        using var client = app.Client();
        client.DefaultRequestHeaders.Add(header, value);

        using var response = await client.GetAsync("/pipeline/");

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task NoPolicy_LoopbackPeerWithForeignHost_IsRefused()
    {
        // DNS rebinding: a page on another site whose name now resolves to 127.0.0.1 sends its own Host.
        await using var app = new DashboardAppFactory(Services, e => e.MapPipelineDashboard("/pipeline"));
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/pipeline/");
        request.Headers.Host = "attacker.example";

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Policy_RemoteAuthenticatedUser_ViewsWithoutLoopbackCheckOrWarning()
    {
        await using var app = new DashboardAppFactory(Services, e => e.MapPipelineDashboard("/pipeline").RequireAuthorization("ops"), remoteIp: "203.0.113.7");
        using var anonymous = app.Client();
        using var user = app.Client("ada");

        using var refused = await anonymous.GetAsync("/pipeline/");
        using var served = await user.GetAsync("/pipeline/");

        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the policy's authentication challenge answers");
        served.StatusCode.Should().Be(HttpStatusCode.OK);
        app.Logs.Entries.Should().NotContain(e => e.Id.Id == 8000);
    }

    [Fact]
    public async Task AllowAnonymous_RemoteAddress_ViewsButMayNotAct()
    {
        await using var app = new DashboardAppFactory(Services, e => e.MapPipelineDashboard("/pipeline").AllowAnonymous(), remoteIp: "203.0.113.7");
        using var client = app.Client();

        var html = await client.GetStringAsync("/pipeline/rows?name=orders&status=Error");

        html.Should().Contain("data-key=\"1\"");
        html.Should().MatchRegex("data-bulk=\"requeue\" data-scope=\"all\" disabled", "an anonymous user may view only");
    }

    [Fact]
    public async Task MapPipelineDashboard_WithoutAddPipelineDashboard_ThrowsNamingTheFix()
    {
        await using var app = new DashboardAppFactory(_ => { }, e => e.MapPipelineDashboard());

        var start = () => app.Client();

        start.Should().Throw<InvalidOperationException>().WithMessage("*AddPipelineDashboard()*");
    }
}
