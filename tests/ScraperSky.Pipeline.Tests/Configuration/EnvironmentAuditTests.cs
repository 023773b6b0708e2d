using ScraperSky.Pipeline.Configuration;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>Environment variables that no workflow reads are found for a start-up warning (issue 3).</summary>
public sealed class EnvironmentAuditTests
{
    private static readonly WorkflowEnvironment[] Workflows = [new("domains", "DOMAIN"), new("imports", "SITEMAP_IMPORT")];

    [Fact]
    public void Find_KnownSettingUnknownPrefix_ReportedAsNamingNoWorkflow()
        => EnvironmentAudit.Find(["FOO_SCHEDULER_BATCH_SIZE"], Workflows).Should().Equal(new EnvironmentAudit.Finding("FOO_SCHEDULER_BATCH_SIZE", null));

    [Fact]
    public void Find_KnownPrefixUnknownSetting_ReportedWithItsWorkflow()
        => EnvironmentAudit.Find(["DOMAIN_SCHEDULER_BATCHSIZE"], Workflows).Should().Equal(new EnvironmentAudit.Finding("DOMAIN_SCHEDULER_BATCHSIZE", "domains"));

    [Fact]
    public void Find_VariablesThatAreReadOrNotOurs_NotReported()
        => EnvironmentAudit.Find(["DOMAIN_SCHEDULER_BATCH_SIZE", "SITEMAP_IMPORT_SCHEDULER_INTERVAL_MINUTES", "PATH", "CRON_SCHEDULER_TIMEZONE", "_SCHEDULER_BATCH_SIZE"], Workflows)
            .Should().BeEmpty();
}
