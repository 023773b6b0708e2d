using ScraperSky.Pipeline.Testing;
using ScraperSky.SampleHost.Demo;
using ScraperSky.SampleHost.FixtureWeb;
using ScraperSky.SampleHost.Hosting;

// The sample host: ScraperSky's four scheduler jobs on the library, with the fixture web and the API. Without
// SCRAPERSKY_PG_CONNECTION it runs on a throwaway PostgreSQL of its own, removed on exit (installing PostgreSQL's
// server package first when it is missing and the host runs as root with apt-get).
var options = SampleHostOptions.Parse(args);
var connectionString = Environment.GetEnvironmentVariable("SCRAPERSKY_PG_CONNECTION");
if (options.Service && string.IsNullOrWhiteSpace(connectionString))
{
    // A service keeps its data: it never falls back to a throwaway database.
    await Console.Error.WriteLineAsync("--service needs the database: set SCRAPERSKY_PG_CONNECTION to an Npgsql connection string.");
    return 2;
}

await using var throwaway = string.IsNullOrWhiteSpace(connectionString) ? await ThrowawayPostgres.StartAsync(new ThrowawayPostgresOptions { InstallServerIfMissing = true }) : null;
connectionString = throwaway?.ConnectionString ?? connectionString!;

await using var app = await SampleApp.CreateAsync(options, connectionString);
var (domains, places) = await DemoSeeder.SeedAsync(app.Services, options.Domains, options.SeedsDemo);
await app.StartAsync();

if (options.Service)
{
    // A deployed service: no demo, no summary; the API and the workflows until SIGTERM (systemd stop, Ctrl+C).
    Console.WriteLine($"Serving the API on {app.ApiAddress()}; queued {domains} new domains.");
    await app.WaitForShutdownAsync();
    return 0;
}

var fixture = app.Services.GetRequiredService<FixtureWebServer>();
Console.WriteLine($"API on {app.ApiAddress()}; fixture web on 127.0.0.1:{(fixture.IsRunning ? fixture.Port : 0)}; queued {domains} new domains and {places} new places.");

var started = TimeProvider.System.GetTimestamp();
var drained = await DrainWatcher.WaitAsync(app.Services, options.DrainTimeout, app.Lifetime.ApplicationStopping);
var stopping = app.Lifetime.ApplicationStopping;
Console.WriteLine(drained ? $"Drained in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:0.0} s."
    : stopping.IsCancellationRequested ? "Stopping before the queues drained."
    : $"Not drained after {TimeProvider.System.GetElapsedTime(started).TotalSeconds:0} s.");
await SummaryPrinter.PrintAsync(app.Services, Console.Out);
Console.WriteLine($"Dashboard on {app.DashboardAddress()} (loopback only).");

if (options.ExitWhenDrained)
{
    await app.StopAsync();
    return drained ? 0 : 1;
}

if (stopping.IsCancellationRequested)
{
    await app.StopAsync();
    return 0;
}

Console.WriteLine($"Serving the API on {app.ApiAddress()} (try /api/jobs, /api/domains?status=Error, /health); press Ctrl+C to stop.");
await app.WaitForShutdownAsync();
return 0;
