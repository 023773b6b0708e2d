using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>The default environment prefix derived from a workflow's name (issue 3), and how a variable's name splits.</summary>
public sealed class WorkflowEnvironmentTests
{
    [Theory]
    [InlineData("process_pending_domains", "PROCESS_PENDING_DOMAINS")]
    [InlineData("DomainScheduler", "DOMAIN_SCHEDULER")]
    [InlineData("domain-sitemap.v2", "DOMAIN_SITEMAP_V2")]
    [InlineData("HTTPServer", "HTTP_SERVER")]
    [InlineData("  sitemap  import ", "SITEMAP_IMPORT")]
    public void PrefixFromName_Name_UpperSnakeCase(string name, string expected)
        => WorkflowEnvironment.PrefixFromName(name).Should().Be(expected);

    [Fact]
    public void PrefixFromName_NoLetterOrDigit_Null()
        => WorkflowEnvironment.PrefixFromName("-- ").Should().BeNull();

    [Theory]
    [InlineData("DOMAIN_SCHEDULER_BATCH_SIZE", "DOMAIN", "BATCH_SIZE")]
    [InlineData("DOMAIN_SCHEDULER_SCHEDULER_BATCH_SIZE", "DOMAIN_SCHEDULER", "BATCH_SIZE")]
    [InlineData("SITEMAP_IMPORT_SCHEDULER_MODE", "SITEMAP_IMPORT", "MODE")]
    public void TrySplit_Variable_PrefixAndSuffix(string variable, string prefix, string suffix)
    {
        WorkflowEnvironment.TrySplit(variable, out var p, out var s).Should().BeTrue();
        (p, s).Should().Be((prefix, suffix));
    }

    [Theory]
    [InlineData("_SCHEDULER_BATCH_SIZE")]
    [InlineData("PATH")]
    public void TrySplit_NoPrefix_False(string variable)
        => WorkflowEnvironment.TrySplit(variable, out _, out _).Should().BeFalse();

    [Fact]
    public void EnvironmentPrefix_NotAnIdentifier_ThrowsNamingWorkflow()
    {
        var register = () => new ServiceCollection().AddStatusWorkflow<WorkItem, JobStatus>("domain")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .EnvironmentPrefix("DOMAIN-X");

        register.Should().Throw<ArgumentException>().WithMessage("Status workflow 'domain': environment prefix 'DOMAIN-X' must be letters, digits and underscores*");
    }
}
