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
public static class ScraperSkyWorkflows
{
    public const string DomainsJob = "process_pending_domains";
    public const string SitemapSubmissionsJob = "process_pending_domain_sitemap_submissions";
    public const string PendingJobsJob = "process_pending_jobs";
    public const string SitemapImportsJob = "process_sitemap_imports";

    /// <summary>The workflow name of <c>process_pending_jobs</c>'s legacy sitemap half.</summary>
    public const string LegacySitemapWorkflow = "process_pending_jobs.sitemap_files";

    public static IServiceCollection AddScraperSkyWorkflows(this IServiceCollection services, IConfiguration configuration)
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
                DomainsJob, configuration, "DOMAIN", d => d.Status, d => d.ErrorMessage,
                DomainExtractionStatus.Queued, DomainExtractionStatus.Processing, DomainExtractionStatus.Completed, DomainExtractionStatus.Error),
        ]));

        catalog.Add(new JobDefinition(SitemapSubmissionsJob, "Domain Sitemap Submission", "DOMAIN_SITEMAP_SUBMISSION",
        [
            services.AddWorkflow<Domain, SitemapAnalysisStatus?, DomainSitemapSubmissionProcessor>(
                SitemapSubmissionsJob, configuration, "DOMAIN_SITEMAP_SUBMISSION", d => d.SitemapAnalysisStatus, d => d.SitemapAnalysisError,
                SitemapAnalysisStatus.Queued, SitemapAnalysisStatus.Processing, SitemapAnalysisStatus.Completed, SitemapAnalysisStatus.Error),
        ]));

        catalog.Add(new JobDefinition(PendingJobsJob, "Sitemap Scheduler", "SITEMAP",
        [
            services.AddWorkflow<PlaceStaging, GcpApiDeepScanStatus?, PlaceDeepScanProcessor>(
                PendingJobsJob, configuration, "SITEMAP", p => p.DeepScanStatus, p => p.DeepScanError,
                GcpApiDeepScanStatus.Queued, GcpApiDeepScanStatus.Processing, GcpApiDeepScanStatus.Completed, GcpApiDeepScanStatus.Error),
            services.AddWorkflow<SitemapFile, SitemapFileStatus, SitemapFileAnalysisProcessor>(
                LegacySitemapWorkflow, configuration, "SITEMAP", f => f.Status, f => f.AnalysisError,
                SitemapFileStatus.Pending, SitemapFileStatus.Processing, SitemapFileStatus.Completed, SitemapFileStatus.Error),
        ]));

        catalog.Add(new JobDefinition(SitemapImportsJob, "Sitemap Import Scheduler", "SITEMAP_IMPORT",
        [
            services.AddWorkflow<SitemapFile, SitemapImportStatus?, SitemapImportProcessor>(
                SitemapImportsJob, configuration, "SITEMAP_IMPORT", f => f.SitemapImportStatus, f => f.SitemapImportError,
                SitemapImportStatus.Queued, SitemapImportStatus.Processing, SitemapImportStatus.Completed, SitemapImportStatus.Error),
        ]));

        return services;
    }

    private static WorkflowEntry AddWorkflow<TEntity, TStatus, TProcessor>(
        this IServiceCollection services,
        string name,
        IConfiguration configuration,
        string environmentPrefix,
        Expression<Func<TEntity, TStatus>> status,
        Expression<Func<TEntity, string?>> errorText,
        TStatus queued,
        TStatus processing,
        TStatus completed,
        TStatus error)
        where TEntity : class
        where TProcessor : class, IStatusItemProcessor<TEntity>
    {
        // Atomic-batch mode for now: the processors bound their network work with the crawler's timeout because
        // they run inside the batch's transaction. Lease mode (columns already in the schema) is the next step.
        services.AddStatusWorkflow<TEntity, TStatus>(name, w => w
            .UseDbContext<ScraperSkyDb>()
            .Status(status, queued, processing, completed, error)
            .ErrorText(errorText)
            .UseProcessor<TProcessor>()
            .Configure(o => SchedulerSettings.Apply(o, configuration, environmentPrefix)));

        return new WorkflowEntry(name, typeof(TEntity), ((MemberExpression)status.Body).Member.Name, Label(queued), Label(processing), Label(completed), Label(error));
    }

    private static string Label(object? value)
    {
        var member = value!.GetType().GetField(value.ToString()!)!;
        return (member.GetCustomAttributes(typeof(NpgsqlTypes.PgNameAttribute), false).FirstOrDefault() as NpgsqlTypes.PgNameAttribute)?.PgName ?? member.Name;
    }
}
