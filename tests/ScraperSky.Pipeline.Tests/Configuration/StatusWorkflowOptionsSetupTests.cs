using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>Settings from code, configuration and the seeds' environment variables, and their validation (issue 3).</summary>
public sealed class StatusWorkflowOptionsSetupTests
{
    [Fact]
    public void PostConfigure_SetEverywhere_EnvironmentWinsOverConfigurationOverCode()
    {
        var options = Options(
            env: new() { ["DOMAIN_SCHEDULER_BATCH_SIZE"] = "40" },
            config: new() { ["ScraperSky:Workflows:domain:BatchSize"] = "30" },
            code: o => o.BatchSize = 20);

        options.BatchSize.Should().Be(40);
        options.Sources!.Of(nameof(options.BatchSize)).ToString().Should().Be("environment DOMAIN_SCHEDULER_BATCH_SIZE");
    }

    [Fact]
    public void PostConfigure_ConfigurationAndCode_ConfigurationWins()
    {
        var options = Options(
            config: new() { ["ScraperSky:Workflows:domain:BatchSize"] = "30", ["ScraperSky:Workflows:domain:Interval"] = "00:00:45" },
            code: o => o.BatchSize = 20);

        options.BatchSize.Should().Be(30);
        options.Interval.Should().Be(TimeSpan.FromSeconds(45));
        options.Sources!.Of(nameof(options.BatchSize)).ToString().Should().Be("configuration ScraperSky:Workflows:domain:BatchSize");
    }

    [Fact]
    public void PostConfigure_CodeOnly_SourcesSayCodeOrDefault()
    {
        var options = Options(code: o => o.MaxInstances = 2);

        options.MaxInstances.Should().Be(2);
        options.Sources!.Of(nameof(options.MaxInstances)).Should().Be(SettingSource.Code);
        options.Sources.Of(nameof(options.BatchSize)).Should().Be(SettingSource.Default);
    }

    [Fact]
    public void PostConfigure_EveryEnvironmentVariable_IsReadIntoItsSetting()
    {
        var options = Options(env: new()
        {
            ["DOMAIN_SCHEDULER_ENABLED"] = "false",
            ["DOMAIN_SCHEDULER_JOB_ID"] = "process_pending_domains",
            ["DOMAIN_SCHEDULER_BATCH_SIZE"] = "25",
            ["DOMAIN_SCHEDULER_INTERVAL_MINUTES"] = "5",
            ["DOMAIN_SCHEDULER_MAX_BATCHES_PER_RUN"] = "7",
            ["DOMAIN_SCHEDULER_MAX_INSTANCES"] = "3",
            ["DOMAIN_SCHEDULER_MISFIRE_GRACE_SECONDS"] = "1800",
            ["DOMAIN_SCHEDULER_COALESCE"] = "no",
            ["DOMAIN_SCHEDULER_JITTER_SECONDS"] = "10",
            ["DOMAIN_SCHEDULER_MAX_CONSECUTIVE_FAILURES"] = "4",
            ["DOMAIN_SCHEDULER_FAILURE_BACKOFF_SECONDS"] = "600",
        });

        options.Should().BeEquivalentTo(new
        {
            Enabled = false,
            JobId = "process_pending_domains",
            BatchSize = 25,
            Interval = TimeSpan.FromMinutes(5),
            MaxBatchesPerRun = 7,
            MaxInstances = 3,
            MisfireGraceTime = TimeSpan.FromMinutes(30),
            Coalesce = false,
            StartJitter = TimeSpan.FromSeconds(10),
            MaxConsecutiveFailures = 4,
            FailureBackoff = TimeSpan.FromMinutes(10),
        });
    }

    [Fact]
    public void PostConfigure_NoPrefixGiven_PrefixIsTheWorkflowNameInUpperSnakeCase()
    {
        var options = Options(env: new() { ["PROCESS_PENDING_DOMAINS_SCHEDULER_INTERVAL_SECONDS"] = "15" }, name: "process_pending_domains", prefix: null);

        options.Interval.Should().Be(TimeSpan.FromSeconds(15));
    }

    [Theory]
    [InlineData("INTERVAL_SECONDS", "0", "DOMAIN_SCHEDULER_INTERVAL_SECONDS=0 is invalid: Interval must be more than zero and at most one day.")]
    [InlineData("INTERVAL_SECONDS", "-5", "DOMAIN_SCHEDULER_INTERVAL_SECONDS=-5 is invalid: Interval must be more than zero and at most one day.")]
    [InlineData("INTERVAL_SECONDS", "abc", "DOMAIN_SCHEDULER_INTERVAL_SECONDS=abc is not a whole number of seconds (for Interval).")]
    [InlineData("INTERVAL_MINUTES", "1.5", "DOMAIN_SCHEDULER_INTERVAL_MINUTES=1.5 is not a whole number of minutes (for Interval).")]
    [InlineData("MAX_INSTANCES", "0", "DOMAIN_SCHEDULER_MAX_INSTANCES=0 is invalid: MaxInstances must be at least 1.")]
    [InlineData("BATCH_SIZE", "10001", "DOMAIN_SCHEDULER_BATCH_SIZE=10001 is invalid: BatchSize must be between 1 and 10000.")]
    [InlineData("BATCH_SIZE", "", "DOMAIN_SCHEDULER_BATCH_SIZE= is not a whole number (for BatchSize).")]
    [InlineData("MISFIRE_GRACE_SECONDS", "0", "DOMAIN_SCHEDULER_MISFIRE_GRACE_SECONDS=0 is invalid: MisfireGraceTime must be more than zero.")]
    [InlineData("JITTER_SECONDS", "60", "DOMAIN_SCHEDULER_JITTER_SECONDS=60 is invalid: StartJitter must be at least zero and less than Interval.")]
    [InlineData("ENABLED", "maybe", "DOMAIN_SCHEDULER_ENABLED=maybe is not true or false (for Enabled).")]
    public void Validate_BadEnvironmentValue_FailsNamingTheVariableAndTheValue(string suffix, string value, string expected)
    {
        var read = () => Options(env: new() { ["DOMAIN_SCHEDULER_" + suffix] = value });

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().Contain($"Status workflow 'domain': {expected}");
    }

    [Fact]
    public void Validate_SeveralBadValues_AllReportedTogether()
    {
        var read = () => Options(env: new() { ["DOMAIN_SCHEDULER_MAX_INSTANCES"] = "0", ["DOMAIN_SCHEDULER_BATCH_SIZE"] = "abc" });

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().HaveCount(2);
    }

    [Fact]
    public void Validate_IntervalInSecondsAndInMinutes_FailsAskingForOne()
    {
        var read = () => Options(env: new() { ["DOMAIN_SCHEDULER_INTERVAL_SECONDS"] = "30", ["DOMAIN_SCHEDULER_INTERVAL_MINUTES"] = "1" });

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should()
            .Contain("Status workflow 'domain': DOMAIN_SCHEDULER_INTERVAL_SECONDS and DOMAIN_SCHEDULER_INTERVAL_MINUTES both set Interval; set only one of them.");
    }

    [Fact]
    public void Validate_BadConfigurationValue_FailsNamingTheKey()
    {
        var read = () => Options(config: new() { ["ScraperSky:Workflows:domain:BatchSize"] = "abc", ["ScraperSky:Workflows:domain:MaxInstances"] = "0" });

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().BeEquivalentTo(
            "Status workflow 'domain': ScraperSky:Workflows:domain:BatchSize=abc is not a whole number (for BatchSize).",
            "Status workflow 'domain': ScraperSky:Workflows:domain:MaxInstances=0 is invalid: MaxInstances must be at least 1.");
    }

    [Fact]
    public void Validate_BadValueInCode_NamesTheSettingAndValue()
    {
        var read = () => Options(code: o => o.FailureBackoff = TimeSpan.Zero);

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should()
            .Contain("Status workflow 'domain': FailureBackoff must be more than zero and at most one day (was 00:00:00).");
    }

    [Fact]
    public void EnvironmentPrefix_NotAnIdentifier_ThrowsNamingWorkflow()
    {
        var register = () => Options(prefix: "DOMAIN-X");

        register.Should().Throw<ArgumentException>().WithMessage("Status workflow 'domain': environment prefix 'DOMAIN-X' must be letters, digits and underscores*");
    }

    private static StatusWorkflowOptions Options(
        Dictionary<string, string>? env = null,
        Dictionary<string, string?>? config = null,
        Action<StatusWorkflowOptions>? code = null,
        string name = "domain",
        string? prefix = "DOMAIN")
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (config is not null)
        {
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        }

        services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, "Host=127.0.0.1;Port=1;Database=x"));
        services.AddStatusWorkflow<WorkItem, JobStatus>(name, w =>
        {
            w.UseDbContext<EnumWorkDb>()
                .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
                .UseProcessor<ScriptedProcessor>()
                .Configure(code ?? (_ => { }));
            if (prefix is not null)
            {
                w.EnvironmentPrefix(prefix);
            }
        });
        services.AddSingleton<IEnvironmentVariables>(new FakeEnvironment(env));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get(name);
    }
}
