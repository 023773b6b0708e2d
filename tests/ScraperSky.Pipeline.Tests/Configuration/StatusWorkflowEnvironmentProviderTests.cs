using Microsoft.Extensions.Configuration;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>The seeds' <c>{PREFIX}_SCHEDULER_*</c> variables as a configuration source (Public API v1).</summary>
public sealed class StatusWorkflowEnvironmentProviderTests
{
    [Theory]
    [InlineData("DOMAIN_SCHEDULER_INTERVAL_SECONDS", "30", "ScraperSky:Environment:DOMAIN:Schedule:Interval", "00:00:30")]
    [InlineData("DOMAIN_SCHEDULER_INTERVAL_MINUTES", " 2 ", "ScraperSky:Environment:DOMAIN:Schedule:Interval", "00:02:00")]
    [InlineData("DOMAIN_SCHEDULER_LEASE_RENEWAL_SECONDS", "-5", "ScraperSky:Environment:DOMAIN:Lease:RenewalInterval", "-00:00:05")]
    [InlineData("DOMAIN_SCHEDULER_BATCH_SIZE", "20", "ScraperSky:Environment:DOMAIN:Batch:Size", "20")]
    [InlineData("DOMAIN_SCHEDULER_ENABLED", "No", "ScraperSky:Environment:DOMAIN:Enabled", "false")]
    [InlineData("DOMAIN_SCHEDULER_WAKE_UP", "1", "ScraperSky:Environment:DOMAIN:WakeUp:Enabled", "true")]
    [InlineData("DOMAIN_SCHEDULER_MODE", "lease", "ScraperSky:Environment:DOMAIN:Mode", "Lease")]
    [InlineData("DOMAIN_SCHEDULER_JOB_ID", " process_pending_domains ", "ScraperSky:Environment:DOMAIN:Schedule:JobId", "process_pending_domains")]
    [InlineData("SITEMAP_IMPORT_SCHEDULER_PARALLELISM", "8", "ScraperSky:Environment:SITEMAP_IMPORT:Parallelism", "8")]
    public void Load_KnownVariable_IsTheOptionKeyInTheBindersForm(string variable, string value, string key, string expected)
        => Configuration(new() { [variable] = value })[key].Should().Be(expected);

    [Fact]
    public void Load_PrefixContainingTheMarker_SplitsAtTheLastOne()
        => Configuration(new() { ["DOMAIN_SCHEDULER_SCHEDULER_BATCH_SIZE"] = "5" })["ScraperSky:Environment:DOMAIN_SCHEDULER:Batch:Size"].Should().Be("5");

    [Fact]
    public void Load_ValueThatDoesNotFitItsUnit_IsLeftOutWithAProblemNamingTheVariable()
    {
        var provider = Provider(new() { ["DOMAIN_SCHEDULER_INTERVAL_SECONDS"] = "1.5" });

        provider.TryGet("ScraperSky:Environment:DOMAIN:Schedule:Interval", out _).Should().BeFalse();
        provider.Entries.Should().ContainSingle().Which.Problem.Should().Be("DOMAIN_SCHEDULER_INTERVAL_SECONDS=1.5 is not a whole number of seconds (for Schedule:Interval).");
    }

    [Fact]
    public void Load_TwoVariablesForOneOption_FirstInTableOrderIsKeptAndTheOtherIsAProblem()
    {
        var provider = Provider(new() { ["DOMAIN_SCHEDULER_INTERVAL_MINUTES"] = "1", ["DOMAIN_SCHEDULER_INTERVAL_SECONDS"] = "30" });

        provider.TryGet("ScraperSky:Environment:DOMAIN:Schedule:Interval", out var interval).Should().BeTrue();
        interval.Should().Be("00:00:30");
        provider.SetterOf("ScraperSky:Environment:DOMAIN:Schedule:Interval")!.Variable.Should().Be("DOMAIN_SCHEDULER_INTERVAL_SECONDS");
        provider.Entries.Select(e => e.Problem).OfType<string>().Should()
            .Equal("DOMAIN_SCHEDULER_INTERVAL_SECONDS and DOMAIN_SCHEDULER_INTERVAL_MINUTES both set Schedule:Interval; set only one of them.");
    }

    [Fact]
    public void Load_LowerCasePrefixOrUnknownSetting_IsNotLoadedButKeptForTheAudit()
    {
        // Configuration keys ignore case: "domain" and "BATCHSIZE" would otherwise be read as DOMAIN's BatchSize.
        var provider = Provider(new() { ["domain_SCHEDULER_BATCH_SIZE"] = "3", ["DOMAIN_SCHEDULER_BATCHSIZE"] = "4", ["PATH"] = "/bin" });

        provider.GetChildKeys([], parentPath: null).Should().BeEmpty();
        provider.Entries.Select(e => (e.Variable, e.Prefix, Known: e.Setting is not null)).Should()
            .BeEquivalentTo([("DOMAIN_SCHEDULER_BATCHSIZE", "DOMAIN", false), ("domain_SCHEDULER_BATCH_SIZE", "domain", true)]);
    }

    [Fact]
    public void AddStatusWorkflowEnvironmentVariables_AddsTheSourceOfTheProcessEnvironment()
    {
        var builder = new ConfigurationBuilder().AddInMemoryCollection();

        builder.AddStatusWorkflowEnvironmentVariables().Should().BeSameAs(builder);

        builder.Sources.Should().HaveCount(2).And.Subject.Last().Should().BeOfType<StatusWorkflowEnvironmentSource>();
    }

    private static IConfigurationRoot Configuration(Dictionary<string, string> variables)
        => new ConfigurationBuilder().AddStatusWorkflowEnvironmentVariables(variables).Build();

    private static StatusWorkflowEnvironmentProvider Provider(Dictionary<string, string> variables)
        => (StatusWorkflowEnvironmentProvider)Configuration(variables).Providers.Single();
}
