using System.Net;
using Microsoft.Extensions.Options;

namespace ScraperSky.SampleHost.Http;

/// <summary>Registers the crawler's HTTP stack.</summary>
public static class CrawlerServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="PageFetcher"/> over a named <see cref="HttpClient"/> from <see cref="IHttpClientFactory"/>: no
    /// automatic redirects (the fetcher counts them), transparent decompression, the user agent, per-host politeness,
    /// and a connect step that refuses private and local addresses (<see cref="CrawlerNetworkPolicy"/>) and sends the
    /// fixture web's domain suffix to its loopback port.
    /// </summary>
    public static IServiceCollection AddCrawler(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<CrawlerOptions>(configuration.GetSection(CrawlerOptions.Section));
        services.AddSingleton<HostPoliteness>();
        services.AddTransient<HostPolitenessHandler>();
        services.AddSingleton<PageFetcher>();
        services.AddSingleton<CrawlerNetworkPolicy>();
        services.AddHttpClient(PageFetcher.ClientName, (sp, client) =>
            {
                // The fetcher's own budget covers redirects and the body; HttpClient's would cut it short or leave it unbounded.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", sp.GetRequiredService<IOptions<CrawlerOptions>>().Value.UserAgent);
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.All,
                ConnectTimeout = sp.GetRequiredService<IOptions<CrawlerOptions>>().Value.Timeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectCallback = sp.GetRequiredService<CrawlerNetworkPolicy>().ConnectAsync,
            })
            .AddHttpMessageHandler<HostPolitenessHandler>()
            // One log line per request drowns the workflows' own events; failures reach the rows and the log anyway.
            .RemoveAllLoggers();
        return services;
    }
}
