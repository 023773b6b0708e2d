using ScraperSky.Pipeline.Configuration;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>The default environment prefix derived from a workflow's name (issue 3).</summary>
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
}
