using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ScraperSky.SampleHost.Data;

/// <summary>Queues the demo rows and reports on them.</summary>
public static class DemoData
{
    private static readonly string[] DemoDomains =
    [
        "example.com", "scrapersky.dev", "dentist-austin.example", "plumbing.example.org", "bad domain!",
        "cafe.example.net", "not_a_domain", "bakery.example.co.uk",
    ];

    /// <summary>Queues the demo domains that are not in the table yet.</summary>
    public static async Task QueueAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ScraperSkyDb>();
        foreach (var name in DemoDomains)
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"INSERT INTO domains (domain) VALUES ({name}) ON CONFLICT (domain) DO NOTHING");
        }
    }

    /// <summary>Returns once no domain is queued or processing.</summary>
    public static async Task WaitUntilDrainedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var counts = await CountAsync(services);
            if (counts.GetValueOrDefault(DomainExtractionStatus.Queued) == 0 && counts.GetValueOrDefault(DomainExtractionStatus.Processing) == 0)
            {
                return;
            }
        }
    }

    /// <summary>Prints one summary line per job id.</summary>
    public static async Task PrintSummaryAsync(IServiceProvider services)
    {
        var counts = await CountAsync(services);
        Console.WriteLine(
            $"summary process_pending_domains queued={counts.GetValueOrDefault(DomainExtractionStatus.Queued)} " +
            $"processing={counts.GetValueOrDefault(DomainExtractionStatus.Processing)} " +
            $"completed={counts.GetValueOrDefault(DomainExtractionStatus.Completed)} " +
            $"error={counts.GetValueOrDefault(DomainExtractionStatus.Error)}");
    }

    private static async Task<Dictionary<DomainExtractionStatus, int>> CountAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ScraperSkyDb>();
        return await db.Domains.GroupBy(d => d.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count);
    }
}
