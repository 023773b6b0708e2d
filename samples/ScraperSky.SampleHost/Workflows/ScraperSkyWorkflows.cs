using System.Linq.Expressions;
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
/// Registers the seeds' four scheduler jobs (document 003) as status workflows, each named by its job id.
/// <c>process_pending_jobs</c> covers two status columns, so it is two workflows: the deep scans
/// (<c>places_staging.deep_scan_status</c>) under the job id itself, and the legacy sitemap jobs
/// (<c>sitemap_files.status</c>) under <see cref="LegacySitemapWorkflow"/>; the <see cref="JobCatalog"/> groups them
/// back under one job id for the job list, the summary and the triggers.
/// </summary>
/// <remarks>
/// Settings come from the library: the sample's defaults are set in code (<see cref="ApplyDefaults"/>), and the
/// configuration section <c>ScraperSky:Workflows:&lt;workflow name&gt;</c> and the seeds' environment variables
/// <c>{PREFIX}_SCHEDULER_*</c> override them, in that order. Both halves of <c>process_pending_jobs</c> read the
/// seeds' one prefix, <c>SITEMAP</c>, because the seeds configure that job as one: <c>SITEMAP_SCHEDULER_BATCH_SIZE</c>
/// sets both. To tune one half alone, use its configuration section.
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
    /// came before the listener was connected still drains in well under a second.
    /// </summary>
    public static readonly TimeSpan DemoInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The safety poll when crawling real domains: wake-up notifications start queued rows at once, so the poll only
    /// catches what a notification missed (the library recommends at least 30 s).
    /// </summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    /// <summary>The names of every status workflow, in registration order (the configuration section of each is <c>ScraperSky:Workflows:&lt;name&gt;</c>).</summary>
    public static IReadOnlyList<string> WorkflowNames { get; } = [DomainsJob, SitemapSubmissionsJob, PendingJobsJob, LegacySitemapWorkflow, SitemapImportsJob];

    /// <summary>Registers the four jobs' five status workflows, with <paramref name="interval"/> as their default interval.</summary>
    public static IServiceCollection AddScraperSkyWorkflows(this IServiceCollection services, IConfiguration configuration, TimeSpan interval)
    {
        services.Configure<SitemapOptions>(configuration.GetSection(SitemapOptions.Section));
        services.Configure<PlacesOptions>(configuration.GetSection(PlacesOptions.Section));
        services.AddSingleton<SitemapReader>();
        services.AddSingleton<PlacesDetailsClient>();

        var catalog = new JobCatalog();
        services.AddSingleton(catalog);
        services.AddSingleton<JobQueueCounter>();

        catalog.Add(new JobDefinition(DomainsJob, "Domain Scheduler", "DOMAIN",
        [
            services.AddWorkflow<Domain, DomainExtractionStatus, DomainMetadataProcessor>(
                DomainsJob, "DOMAIN", interval, d => d.Status, d => d.ErrorMessage,
                DomainExtractionStatus.Queued, DomainExtractionStatus.Processing, DomainExtractionStatus.Completed, DomainExtractionStatus.Error,
                new(d => d.ExtractionAttempts, d => d.ExtractionLeaseExpiresAt, d => d.ExtractionClaimedBy, d => d.ExtractionNextAttemptAt, d => d.UpdatedAt)),
        ]));

        catalog.Add(new JobDefinition(SitemapSubmissionsJob, "Domain Sitemap Submission", "DOMAIN_SITEMAP_SUBMISSION",
        [
            services.AddWorkflow<Domain, SitemapAnalysisStatus?, DomainSitemapSubmissionProcessor>(
                SitemapSubmissionsJob, "DOMAIN_SITEMAP_SUBMISSION", interval, d => d.SitemapAnalysisStatus, d => d.SitemapAnalysisError,
                SitemapAnalysisStatus.Queued, SitemapAnalysisStatus.Processing, SitemapAnalysisStatus.Completed, SitemapAnalysisStatus.Error,
                new(d => d.SitemapAnalysisAttempts, d => d.SitemapAnalysisLeaseExpiresAt, d => d.SitemapAnalysisClaimedBy, d => d.SitemapAnalysisNextAttemptAt, d => d.UpdatedAt)),
        ]));

        catalog.Add(new JobDefinition(PendingJobsJob, "Sitemap Scheduler", "SITEMAP",
        [
            services.AddWorkflow<PlaceStaging, GcpApiDeepScanStatus?, PlaceDeepScanProcessor>(
                PendingJobsJob, "SITEMAP", interval, p => p.DeepScanStatus, p => p.DeepScanError,
                GcpApiDeepScanStatus.Queued, GcpApiDeepScanStatus.Processing, GcpApiDeepScanStatus.Completed, GcpApiDeepScanStatus.Error,
                new(p => p.DeepScanAttempts, p => p.DeepScanLeaseExpiresAt, p => p.DeepScanClaimedBy, p => p.DeepScanNextAttemptAt, p => p.UpdatedAt)),
            services.AddWorkflow<SitemapFile, SitemapFileStatus, SitemapFileAnalysisProcessor>(
                LegacySitemapWorkflow, "SITEMAP", interval, f => f.Status, f => f.AnalysisError,
                SitemapFileStatus.Pending, SitemapFileStatus.Processing, SitemapFileStatus.Completed, SitemapFileStatus.Error,
                new(f => f.AnalysisAttempts, f => f.AnalysisLeaseExpiresAt, f => f.AnalysisClaimedBy, f => f.AnalysisNextAttemptAt, f => f.UpdatedAt)),
        ]));

        catalog.Add(new JobDefinition(SitemapImportsJob, "Sitemap Import Scheduler", "SITEMAP_IMPORT",
        [
            services.AddWorkflow<SitemapFile, SitemapImportStatus?, SitemapImportProcessor>(
                SitemapImportsJob, "SITEMAP_IMPORT", interval, f => f.SitemapImportStatus, f => f.SitemapImportError,
                SitemapImportStatus.Queued, SitemapImportStatus.Processing, SitemapImportStatus.Completed, SitemapImportStatus.Error,
                new(f => f.ImportAttempts, f => f.ImportLeaseExpiresAt, f => f.ImportClaimedBy, f => f.ImportNextAttemptAt, f => f.UpdatedAt)),
        ]));

        return services;
    }

    private static WorkflowEntry AddWorkflow<TEntity, TStatus, TProcessor>(
        this IServiceCollection services,
        string name,
        string environmentPrefix,
        TimeSpan interval,
        Expression<Func<TEntity, TStatus>> status,
        Expression<Func<TEntity, string?>> errorText,
        TStatus queued,
        TStatus processing,
        TStatus completed,
        TStatus error,
        LeaseColumns<TEntity> lease)
        where TEntity : class
        where TProcessor : class, IStatusItemProcessor<TEntity>
    {
        services.AddStatusWorkflow<TEntity, TStatus>(name)
            .UseDbContext<ScraperSkyDb>()
            .Status(status, queued, processing, completed, error)
            .ErrorText(errorText)
            .Lease(lease.Attempts, lease.LeaseExpiresAt, lease.ClaimedBy)
            .NextAttemptAt(lease.NextAttemptAt)
            .UpdatedAt(lease.UpdatedAt)
            .UseProcessor<TProcessor>()
            .EnvironmentPrefix(environmentPrefix)
            .Configure(o => ApplyDefaults(o, interval));

        return new WorkflowEntry(name, typeof(TEntity), ((MemberExpression)status.Body).Member.Name, Label(queued), Label(processing), Label(completed), Label(error));
    }

    /// <summary>
    /// The sample's defaults, below configuration and the environment (the library applies those after every
    /// <c>Configure</c> action, so a person can still change any of these without touching code).
    /// </summary>
    public static void ApplyDefaults(StatusWorkflowOptions options, TimeSpan interval)
    {
        // Every job calls the network, so every job runs in lease mode: rows are visibly Processing while they are
        // fetched, no row lock or connection is held across HTTP calls, and a crashed host's rows come back by
        // themselves. Four fetches at once per job; per-host politeness still spaces fetches to one site.
        options.Mode = ClaimMode.Lease;
        options.Parallelism = 4;

        // A notification wakes the next job as soon as one job queues work for it (a discovered sitemap file is
        // imported at once); the sample owns its schema, so it installs the triggers itself instead of a migration.
        options.WakeUp.Enabled = true;
        options.WakeUp.InstallTrigger = true;
        options.Schedule.Interval = interval;
    }

    private static string Label(object? value)
    {
        var member = value!.GetType().GetField(value.ToString()!)!;
        return (member.GetCustomAttributes(typeof(NpgsqlTypes.PgNameAttribute), false).FirstOrDefault() as NpgsqlTypes.PgNameAttribute)?.PgName ?? member.Name;
    }

    /// <summary>The lease-mode columns of one workflow: each workflow of a table has its own set.</summary>
    private sealed record LeaseColumns<TEntity>(
        Expression<Func<TEntity, int>> Attempts,
        Expression<Func<TEntity, DateTimeOffset?>> LeaseExpiresAt,
        Expression<Func<TEntity, string?>> ClaimedBy,
        Expression<Func<TEntity, DateTimeOffset?>> NextAttemptAt,
        Expression<Func<TEntity, DateTimeOffset?>> UpdatedAt);
}
