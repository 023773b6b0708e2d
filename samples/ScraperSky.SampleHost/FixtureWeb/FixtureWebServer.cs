using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>
/// Serves the fixture web from inside the host: one Kestrel listener on 127.0.0.1 and a free port, every synthetic
/// site behind it (routed by the Host header). Started before the workflows, stopped after them.
/// </summary>
public sealed class FixtureWebServer(FixtureWebResponder responder, IOptions<FixtureWebOptions> options) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;
    private int _port;

    /// <summary>Gets the loopback port the fixture web listens on.</summary>
    /// <exception cref="InvalidOperationException">The fixture web has not started (or is disabled).</exception>
    public int Port => _port != 0 ? _port : throw new InvalidOperationException("The fixture web is not running: it starts with the host and only when FixtureWeb:Enabled is true.");

    /// <summary>Gets whether the fixture web is listening.</summary>
    public bool IsRunning => _port != 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled || _app is not null)
        {
            return;
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.Run(responder.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _port = new Uri(address).Port;
        _app = app;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            _port = 0;
            await app.DisposeAsync();
        }
    }
}
