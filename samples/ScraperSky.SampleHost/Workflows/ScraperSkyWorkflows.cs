using ScraperSky.Pipeline;
using ScraperSky.SampleHost.Data;
using ScraperSky.SampleHost.Jobs;
using ScraperSky.SampleHost.Sitemaps;
using ScraperSky.SampleHost.Workflows.DeepScan;
using ScraperSky.SampleHost.Workflows.DomainMetadata;
using ScraperSky.SampleHost.Workflows.SitemapAnalysis;
using ScraperSky.SampleHost.Workflows.SitemapDiscovery;
using ScraperSky.SampleHost.Workflows.SitemapImport;

namespace ScraperSky.SampleHost.Workflows;

/// <summary>
/// ScraperSky's four scheduler jobs as status workflows, each named by its job id and reading the seeds'
/// <c>{PREFIX}_SCHEDULER_*</c> variables. <c>process_pending_jobs</c> covers two status columns, so it is two workflows:
/// the deep scans (<c>places_staging.deep_scan_status</c>) under the job id itself, and the legacy sitemap jobs
/// (<c>sitemap_files.status</c>) under <see cref="LegacySitemapWorkflow"/>, both on the seeds' one prefix <c>SITEMAP</c>.
/// </summary>
/// <remarks>
/// Settings: the sample's defaults in code (<see cref="Defaults"/>), then the configuration section
/// <c>ScraperSky:Workflows:&lt;workflow name&gt;</c>, then the environment variables, each over the one before.
/// </remarks>
public static class ScraperSkyWorkflows
{
    public const string DomainsJob = "process_pending_domains";
    public const string SitemapSubmissionsJob = "process_pending_domain_sitemap_submissions";
    public const string PendingJobsJob = "process_pending_jobs";
    public const string SitemapImportsJob = "process_sitemap_imports";

    /// <summary>The workflow name of <c>process_pending_jobs</c>'s legacy sitemap half.</summary>
    public const string LegacySitemapWorkflow = "process_pending_jobs.sitemap_files";

    /// <summary>
    /// The safety poll of the demo, which only talks to loopback: short, so that a row whose wake-up notification
    /// came before the listener was connected still drains in well under a second. Otherwise the library's default.
    /// </summary>
    public static readonly TimeSpan DemoInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The names of every status workflow, in registration order (the configuration section of each is <c>ScraperSky:Workflows:&lt;name&gt;</c>).</summary>
    public static IReadOnlyList<string> WorkflowNames { get; } = [DomainsJob, SitemapSubmissionsJob, PendingJobsJob, LegacySitemapWorkflow, SitemapImportsJob];

    /// <summary>The seeds' four jobs, in the seeds' order: the job list, the triggers and the summary show these.</summary>
    public static IReadOnlyList<SeedJob> Jobs { get; } =
    [
        new(DomainsJob, "Domain Scheduler", "DOMAIN"),
        new(SitemapSubmissionsJob, "Domain Sitemap Submission", "DOMAIN_SITEMAP_SUBMISSION"),
        new(PendingJobsJob, "Sitemap Scheduler", "SITEMAP"),
        new(SitemapImportsJob, "Sitemap Import Scheduler", "SITEMAP_IMPORT"),
    ];

    /// <summary>The seeds' job a workflow belongs to: its own job id, except for the legacy half of <c>process_pending_jobs</c>.</summary>
    public static string SeedJobOf(StatusWorkflowInfo workflow) => workflow.Name == LegacySitemapWorkflow ? PendingJobsJob : workflow.JobId;

    /// <summary>Registers the four jobs' status workflows and what their processors need.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration (the processors' own sections).</param>
    /// <param name="demo">Whether the host runs the demo, which polls every <see cref="DemoInterval"/>.</param>
    public static IServiceCollection AddScraperSkyWorkflows(this IServiceCollection services, IConfiguration configuration, bool demo)
    {
        services.Configure<SitemapOptions>(configuration.GetSection(SitemapOptions.Section));
        services.Configure<PlacesOptions>(configuration.GetSection(PlacesOptions.Section));
        services.AddSingleton<SitemapReader>();
        services.AddSingleton<PlacesDetailsClient>();
        var defaults = Defaults(demo);

        services.AddStatusWorkflow<Domain, DomainExtractionStatus>(DomainsJob)
            .UseDbContext<ScraperSkyDb>()
            .Status(d => d.Status, DomainExtractionStatus.Queued, DomainExtractionStatus.Processing, DomainExtractionStatus.Completed, DomainExtractionStatus.Error)
            .ErrorText(d => d.ErrorMessage)
            .Lease(d => d.ExtractionAttempts, d => d.ExtractionLeaseExpiresAt, d => d.ExtractionClaimedBy)
            .NextAttemptAt(d => d.ExtractionNextAttemptAt)
            .UpdatedAt(d => d.UpdatedAt)
            .UseProcessor<DomainMetadataProcessor>()
            .EnvironmentPrefix("DOMAIN")
            .Configure(defaults);

        services.AddStatusWorkflow<Domain, SitemapAnalysisStatus?>(SitemapSubmissionsJob)
            .UseDbContext<ScraperSkyDb>()
            .Status(d => d.SitemapAnalysisStatus, SitemapAnalysisStatus.Queued, SitemapAnalysisStatus.Processing, SitemapAnalysisStatus.Completed, SitemapAnalysisStatus.Error)
            .ErrorText(d => d.SitemapAnalysisError)
            .Lease(d => d.SitemapAnalysisAttempts, d => d.SitemapAnalysisLeaseExpiresAt, d => d.SitemapAnalysisClaimedBy)
            .NextAttemptAt(d => d.SitemapAnalysisNextAttemptAt)
            .UpdatedAt(d => d.UpdatedAt)
            .UseProcessor<DomainSitemapSubmissionProcessor>()
            .EnvironmentPrefix("DOMAIN_SITEMAP_SUBMISSION")
            .Configure(defaults);

        // process_pending_jobs: two workflows on the seeds' one prefix. A workflow group (AddStatusWorkflowGroup) would
        // make them one job, but a group reads its schedule from its own id's variables (PROCESS_PENDING_JOBS_SCHEDULER_*)
        // and refuses a member's schedule variables, so the seeds' SITEMAP_SCHEDULER_INTERVAL_SECONDS would stop start-up.
        services.AddStatusWorkflow<PlaceStaging, GcpApiDeepScanStatus?>(PendingJobsJob)
            .UseDbContext<ScraperSkyDb>()
            .Status(p => p.DeepScanStatus, GcpApiDeepScanStatus.Queued, GcpApiDeepScanStatus.Processing, GcpApiDeepScanStatus.Completed, GcpApiDeepScanStatus.Error)
            .ErrorText(p => p.DeepScanError)
            .Lease(p => p.DeepScanAttempts, p => p.DeepScanLeaseExpiresAt, p => p.DeepScanClaimedBy)
            .NextAttemptAt(p => p.DeepScanNextAttemptAt)
            .UpdatedAt(p => p.UpdatedAt)
            .UseProcessor<PlaceDeepScanProcessor>()
            .EnvironmentPrefix("SITEMAP")
            .Configure(defaults);

        services.AddStatusWorkflow<SitemapFile, SitemapFileStatus>(LegacySitemapWorkflow)
            .UseDbContext<ScraperSkyDb>()
            .Status(f => f.Status, SitemapFileStatus.Pending, SitemapFileStatus.Processing, SitemapFileStatus.Completed, SitemapFileStatus.Error)
            .ErrorText(f => f.AnalysisError)
            .Lease(f => f.AnalysisAttempts, f => f.AnalysisLeaseExpiresAt, f => f.AnalysisClaimedBy)
            .NextAttemptAt(f => f.AnalysisNextAttemptAt)
            .UpdatedAt(f => f.UpdatedAt)
            .UseProcessor<SitemapFileAnalysisProcessor>()
            .EnvironmentPrefix("SITEMAP")
            .Configure(defaults);

        services.AddStatusWorkflow<SitemapFile, SitemapImportStatus?>(SitemapImportsJob)
            .UseDbContext<ScraperSkyDb>()
            .Status(f => f.SitemapImportStatus, SitemapImportStatus.Queued, SitemapImportStatus.Processing, SitemapImportStatus.Completed, SitemapImportStatus.Error)
            .ErrorText(f => f.SitemapImportError)
            .Lease(f => f.ImportAttempts, f => f.ImportLeaseExpiresAt, f => f.ImportClaimedBy)
            .NextAttemptAt(f => f.ImportNextAttemptAt)
            .UpdatedAt(f => f.UpdatedAt)
            .UseProcessor<SitemapImportProcessor>()
            .EnvironmentPrefix("SITEMAP_IMPORT")
            .Configure(defaults);

        return services;
    }

    /// <summary>
    /// The sample's defaults for every workflow, below configuration and the environment (the library binds those after
    /// every <c>Configure</c> action, so a person can still change any of these without touching code).
    /// </summary>
    /// <param name="demo">Whether to poll every <see cref="DemoInterval"/> instead of the library's default interval.</param>
    public static Action<StatusWorkflowOptions> Defaults(bool demo) => options =>
    {
        // Every job calls the network, so every job runs in lease mode: rows are visibly Processing while they are
        // fetched, no row lock or connection is held across HTTP calls, and a crashed host's rows come back by
        // themselves. Four fetches at once per job; per-host politeness still spaces fetches to one site.
        options.Mode = ClaimMode.Lease;
        options.Parallelism = 4;

        // Wake-up is on by default; the sample owns its schema, so it installs the triggers itself instead of a migration.
        options.WakeUp.InstallTrigger = true;
        if (demo)
        {
            options.Schedule.Interval = DemoInterval;
        }
    };
}
