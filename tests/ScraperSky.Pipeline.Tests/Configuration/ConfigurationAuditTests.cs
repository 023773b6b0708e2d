using Microsoft.Extensions.Configuration;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Tests.Infrastructure;
using static ScraperSky.Pipeline.Configuration.ConfigurationAudit;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>
/// Settings that no workflow reads are found for a start-up warning (issue 3), configuration keys alike environment
/// variables (Public API v1: a misspelled configuration key used to be ignored silently).
/// </summary>
public sealed class ConfigurationAuditTests
{
    private static readonly WorkflowSettingsLocation[] Workflows =
    [
        new("domains", "ScraperSky:Workflows:domains", "DOMAIN"),
        new("imports", "ScraperSky:Workflows:imports", "SITEMAP_IMPORT"),
    ];

    [Fact]
    public void Find_KnownSettingUnknownPrefix_ReportedAsNamingNoWorkflow()
        => Find(env: new() { ["FOO_SCHEDULER_BATCH_SIZE"] = "1" }).Should().Equal(new Finding(FindingKind.EnvironmentPrefixOfNoWorkflow, "FOO_SCHEDULER_BATCH_SIZE", null));

    [Fact]
    public void Find_KnownPrefixUnknownSetting_ReportedWithItsWorkflow()
        => Find(env: new() { ["DOMAIN_SCHEDULER_BATCHSIZE"] = "1" }).Should().Equal(new Finding(FindingKind.UnknownEnvironmentSetting, "DOMAIN_SCHEDULER_BATCHSIZE", "domains"));

    [Fact]
    public void Find_UnknownKeyInAWorkflowsSection_ReportedWithItsWorkflow()
        => Find(config: new() { ["ScraperSky:Workflows:imports:Paralelism"] = "4", ["ScraperSky:Workflows:imports:parallelism"] = "4" })
            .Should().Equal(new Finding(FindingKind.UnknownConfigurationKey, "ScraperSky:Workflows:imports:Paralelism", "imports"));

    [Fact]
    public void Find_SectionOfNoWorkflow_Reported()
        => Find(config: new() { ["ScraperSky:Workflows:domain:Batch:Size"] = "4", ["ScraperSky:Workflows:Domains:Batch:Size"] = "5" })
            .Should().Equal(new Finding(FindingKind.SectionOfNoWorkflow, "ScraperSky:Workflows:domain", null));

    [Fact]
    public void Find_SettingsThatAreReadOrNotOurs_NotReported()
        => Find(
                env: new()
                {
                    ["DOMAIN_SCHEDULER_BATCH_SIZE"] = "1",
                    ["SITEMAP_IMPORT_SCHEDULER_INTERVAL_MINUTES"] = "1",
                    ["PATH"] = "/bin",
                    ["CRON_SCHEDULER_LOCALE"] = "UTC",
                    ["_SCHEDULER_BATCH_SIZE"] = "1",
                },
                config: new() { ["ScraperSky:Workflows:domains:Schedule:Interval"] = "00:00:30", ["ScraperSky:Other:Key"] = "x" })
            .Should().BeEmpty();

    private static IEnumerable<Finding> Find(Dictionary<string, string>? env = null, Dictionary<string, string?>? config = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(config ?? [])
            .AddStatusWorkflowEnvironmentVariables(env ?? [])
            .Build();
        return ConfigurationAudit.Find(configuration, Workflows);
    }
}
