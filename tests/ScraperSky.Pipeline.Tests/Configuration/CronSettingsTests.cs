using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Hosting;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>A workflow's cron schedule from code, configuration and the <c>{PREFIX}_SCHEDULER_CRON</c> / <c>_TIMEZONE</c> variables, and its validation.</summary>
public sealed class CronSettingsTests
{
    [Fact]
    public void Bind_CronAndTimeZoneFromEnvironment_AreTheWorkflowsEffectiveCron()
    {
        using var provider = Provider(env: new() { ["DOMAIN_SCHEDULER_CRON"] = " 0 3 * * * ", ["DOMAIN_SCHEDULER_TIMEZONE"] = "Europe/Berlin" });

        var options = provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("domain");

        options.Schedule.Cron.Should().Be("0 3 * * *");
        options.Schedule.TimeZone.Should().Be("Europe/Berlin");
        provider.GetRequiredService<WorkflowJobs>().CronOf("domain").Should().Be("0 3 * * *");
        provider.GetRequiredService<WorkflowJobs>().JobIdOf("domain").Should().Be("domain");
    }

    [Fact]
    public void Bind_CronFromConfiguration_IsRead()
    {
        using var provider = Provider(config: new() { ["ScraperSky:Workflows:domain:Schedule:Cron"] = "*/10 * * * * *" });

        provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("domain").Schedule.Cron.Should().Be("*/10 * * * * *");
    }

    [Fact]
    public void CronOf_IntervalWorkflow_IsNull()
    {
        using var provider = Provider();

        provider.GetRequiredService<WorkflowJobs>().CronOf("domain").Should().BeNull();
    }

    [Theory]
    [InlineData("CRON", "0 3 * *", "DOMAIN_SCHEDULER_CRON=0 3 * * is invalid: Schedule:Cron has 4 fields; a cron expression has 5 (minute hour day-of-month month day-of-week), or 6 with seconds first.")]
    [InlineData("CRON", "0 25 * * *", "DOMAIN_SCHEDULER_CRON=0 25 * * * is invalid: Schedule:Cron is not a valid cron expression*")]
    [InlineData("TIMEZONE", "Europe/Atlantis", "DOMAIN_SCHEDULER_TIMEZONE=Europe/Atlantis is invalid: Schedule:TimeZone is not a time zone this machine knows*")]
    public void Validate_BadCronVariable_FailsNamingTheVariable(string suffix, string value, string expected)
    {
        var env = new Dictionary<string, string> { ["DOMAIN_SCHEDULER_CRON"] = "0 3 * * *", ["DOMAIN_SCHEDULER_" + suffix] = value };
        using var provider = Provider(env: env);

        var read = () => provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("domain");

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().ContainMatch($"Status workflow 'domain': {expected}");
    }

    [Fact]
    public void Validate_CronAndIntervalVariables_FailsNamingBoth()
    {
        using var provider = Provider(env: new() { ["DOMAIN_SCHEDULER_CRON"] = "0 3 * * *", ["DOMAIN_SCHEDULER_INTERVAL_SECONDS"] = "30" });

        var read = () => provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("domain");

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "Status workflow 'domain': DOMAIN_SCHEDULER_CRON=0 3 * * * is invalid: Schedule:Cron and Schedule:Interval are both set; a job runs on one of them: "
            + "set Schedule:Cron or Schedule:Interval, not both (Schedule:Interval is set by environment DOMAIN_SCHEDULER_INTERVAL_SECONDS).");
    }

    private static ServiceProvider Provider(Dictionary<string, string>? env = null, Dictionary<string, string?>? config = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(config ?? [])
            .AddStatusWorkflowEnvironmentVariables(env ?? [])
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddDbContext<LeaseWorkDb>(o => TestSchema.UseTestDatabase(o, "Host=127.0.0.1;Port=1;Database=x"));
        services.AddStatusWorkflow<LeaseItem, JobStatus>("domain")
            .UseDbContext<LeaseWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<LeaseProcessor>()
            .EnvironmentPrefix("DOMAIN");
        return services.BuildServiceProvider();
    }
}
