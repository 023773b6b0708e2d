using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Testing;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Workflows;

// The sample host: runs ScraperSky's domain workflow on the library. Without SCRAPERSKY_PG_CONNECTION it starts
// a throwaway PostgreSQL of its own and removes it on exit.
var exitWhenDrained = args.Contains("--exit-when-drained");
var connectionString = Environment.GetEnvironmentVariable("SCRAPERSKY_PG_CONNECTION");
await using var throwaway = string.IsNullOrWhiteSpace(connectionString) ? await ThrowawayPostgres.StartAsync() : null;
connectionString = throwaway?.ConnectionString ?? connectionString!;

await SchemaScript.ApplyAsync(connectionString);

var builder = Host.CreateApplicationBuilder(args.Where(a => a != "--exit-when-drained").ToArray());
builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddDbContext<ScraperSkyDb>(o => ScraperSkyDb.Configure(o, connectionString));
builder.Services.AddStatusWorkflow<Domain, DomainExtractionStatus>("process_pending_domains", w => w
    .UseDbContext<ScraperSkyDb>()
    .Status(d => d.Status, DomainExtractionStatus.Queued, DomainExtractionStatus.Processing, DomainExtractionStatus.Completed, DomainExtractionStatus.Error)
    .ErrorText(d => d.ErrorMessage)
    .UseProcessor<DomainProcessor>()
    .Configure(o => o.Interval = TimeSpan.FromSeconds(2)));

using var host = builder.Build();
await DemoData.QueueAsync(host.Services);
await host.StartAsync();

if (exitWhenDrained)
{
    await DemoData.WaitUntilDrainedAsync(host.Services, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
}
else
{
    Console.WriteLine("Processing; press Ctrl+C to stop.");
    await host.WaitForShutdownAsync();
}

await DemoData.PrintSummaryAsync(host.Services);
await host.StopAsync();
return 0;
