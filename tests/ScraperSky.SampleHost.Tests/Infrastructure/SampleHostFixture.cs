using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.FixtureWeb;
using ScraperSky.SampleHost.Hosting;
using ScraperSky.SampleHost.Workflows;

namespace ScraperSky.SampleHost.Tests.Infrastructure;

/// <summary>
/// The real sample host for one test class: a database of its own, the app started on 127.0.0.1 with a free port
/// (Kestrel, as in production), the fixture web inside it, and short test timings. Subclasses add settings.
/// </summary>
public class SampleHostFixture : IAsyncLifetime
{
    /// <summary>The dev-tools key the fixtures that configure one use (<c>DevTools:ApiKey</c>).</summary>
    public const string TestApiKey = "test-key";

    /// <summary>The crawler timeout in tests; the timeout error texts say "2 s"; long enough for a loaded CI machine to answer healthy fetches.</summary>
    public static readonly TimeSpan CrawlTimeout = TimeSpan.FromSeconds(2);

    private WebApplication? _app;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>Gets a time just before the host started (its scheduler's first runs are due at the start).</summary>
    public DateTimeOffset StartedAt { get; private set; }

    public WebApplication App => _app ?? throw new InvalidOperationException("The host has not started.");

    public HttpClient Api { get; private set; } = new();

    public SyntheticWeb Web => App.Services.GetRequiredService<SyntheticWeb>();

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseAsync();
        StartedAt = DateTimeOffset.UtcNow;
        _app = await StartAsync(ConnectionString, Settings());
        Api = new HttpClient { BaseAddress = _app.ApiAddress() };
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Builds and starts a sample host on <paramref name="connectionString"/> with the test settings plus <paramref name="settings"/>.</summary>
    public static async Task<WebApplication> StartAsync(string connectionString, IReadOnlyDictionary<string, string?> settings, SampleHostOptions? options = null)
    {
        var app = await SampleApp.CreateAsync(options ?? new SampleHostOptions { ExitWhenDrained = true }, connectionString, builder =>
        {
            var defaults = new Dictionary<string, string?>
            {
                ["urls"] = "http://127.0.0.1:0",
                // The fixture web listens on loopback: tests opt in to crawling it, as the demo does.
                ["Crawler:AllowPrivateNetworks"] = "true",
                ["Crawler:Timeout"] = CrawlTimeout.ToString(),
                ["Crawler:PerHostDelay"] = "00:00:00",
                ["FixtureWeb:Sites"] = "0",
                ["Logging:LogLevel:Default"] = "Warning",
            };
            // Schedules belong to the four jobs: process_pending_jobs' two workflows share their group's.
            foreach (var job in ScraperSkyWorkflows.Jobs)
            {
                defaults[WorkflowSetting(job.JobId, "Schedule:Interval")] = "00:00:00.100";
            }

            builder.Configuration.AddInMemoryCollection(defaults);
            builder.Configuration.AddInMemoryCollection(settings);
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>The configuration key of one of a workflow's library settings (<c>ScraperSky:Workflows:&lt;name&gt;:&lt;setting&gt;</c>).</summary>
    public static string WorkflowSetting(string workflow, string setting) => $"ScraperSky:Workflows:{workflow}:{setting}";

    /// <summary>Settings that turn the given workflows off (a disabled workflow is never scheduled).</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Disabled(params string[] workflows)
        => workflows.Select(w => new KeyValuePair<string, string?>(WorkflowSetting(w, "Enabled"), "false"));

    /// <summary>Settings of this fixture on top of the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>();

    /// <summary>Runs a query on a session of its own.</summary>
    public async Task<T> QueryAsync<T>(Func<ScraperSkyDb, Task<T>> query)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ScraperSkyDb>());
    }

    /// <summary>Runs SQL (autocommit) and returns the first column of the first row, if any.</summary>
    public async Task<object?> SqlAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters.AddWithValue("p" + i, parameters[i]);
        }

        return await command.ExecuteScalarAsync();
    }

    /// <summary>Adds a domain, queued for metadata extraction unless said otherwise, and returns its id.</summary>
    public async Task<long> AddDomainAsync(string name, bool queueExtraction = true, bool queueSitemapAnalysis = false)
        => (long)(await SqlAsync(
            "INSERT INTO domains (domain, status, sitemap_curation_status, sitemap_analysis_status) VALUES (@p0, @p1::\"DomainExtractionStatusEnum\", @p2::\"SitemapCurationStatusEnum\", @p3::\"SitemapAnalysisStatusEnum\") RETURNING id",
            name,
            queueExtraction ? "Queued" : "Completed",
            queueSitemapAnalysis ? "Selected" : "New",
            queueSitemapAnalysis ? "Queued" : (object)DBNull.Value))!;

    /// <summary>Adds a sitemap file for a domain, queued for import and for the legacy analysis as said, and returns its id.</summary>
    public async Task<long> AddSitemapFileAsync(long domainId, string url, bool queueImport = true, bool queueAnalysis = false, int depth = 0)
        => (long)(await SqlAsync(
            "INSERT INTO sitemap_files (domain_id, url, discovered_via, depth, status, sitemap_import_status) VALUES (@p0, @p1, 'test', @p2, @p3::sitemap_file_status_enum, @p4::sitemap_import_status_enum) RETURNING id",
            domainId,
            url,
            depth,
            queueAnalysis ? "Pending" : "Completed",
            queueImport ? "Queued" : (object)DBNull.Value))!;

    /// <summary>Waits until the domain's extraction finished (completed or error) and returns the row.</summary>
    public Task<Domain> ExtractedDomainAsync(long id)
        => Eventually.UntilAsync(
            () => QueryAsync(db => db.Domains.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id && (d.Status == DomainExtractionStatus.Completed || d.Status == DomainExtractionStatus.Error))),
            $"metadata extraction of domain {id}");

    /// <summary>Waits until the domain's sitemap analysis finished (completed or error) and returns the row.</summary>
    public Task<Domain> AnalysedDomainAsync(long id)
        => Eventually.UntilAsync(
            () => QueryAsync(db => db.Domains.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id && (d.SitemapAnalysisStatus == SitemapAnalysisStatus.Completed || d.SitemapAnalysisStatus == SitemapAnalysisStatus.Error))),
            $"sitemap analysis of domain {id}");

    /// <summary>Waits until the sitemap file's import finished (completed or error) and returns the row.</summary>
    public Task<SitemapFile> ImportedFileAsync(long id)
        => Eventually.UntilAsync(
            () => QueryAsync(db => db.SitemapFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id && (f.SitemapImportStatus == SitemapImportStatus.Completed || f.SitemapImportStatus == SitemapImportStatus.Error))),
            $"import of sitemap file {id}");

    /// <summary>PUTs JSON with the dev-tools key (<see cref="TestApiKey"/>) and returns the response.</summary>
    public Task<HttpResponseMessage> PutJsonAsync(string path, object body) => PutAsync(path, JsonContent.Create(body));

    /// <summary>PUTs <paramref name="content"/> with the dev-tools key (<see cref="TestApiKey"/>) and returns the response.</summary>
    public async Task<HttpResponseMessage> PutAsync(string path, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = content };
        request.Headers.Add("X-Api-Key", TestApiKey);
        return await Api.SendAsync(request);
    }
}
