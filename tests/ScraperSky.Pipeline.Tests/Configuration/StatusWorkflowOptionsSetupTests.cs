using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Configuration;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Configuration;

/// <summary>
/// Settings from code, configuration (the standard binder) and the seeds' environment variables (a configuration
/// source), and their validation (issue 3; Public API v1: configuration the Microsoft.Extensions way).
/// </summary>
public sealed class StatusWorkflowOptionsSetupTests
{
    [Fact]
    public void PostConfigure_SetEverywhere_EnvironmentWinsOverConfigurationOverCode()
    {
        var options = Options(
            env: new() { ["DOMAIN_SCHEDULER_BATCH_SIZE"] = "40" },
            config: new() { ["ScraperSky:Workflows:domain:Batch:Size"] = "30" },
            code: o => o.Batch.Size = 20);

        options.Batch.Size.Should().Be(40);
        Source("Batch:Size", options, env: new() { ["DOMAIN_SCHEDULER_BATCH_SIZE"] = "40" }, config: new() { ["ScraperSky:Workflows:domain:Batch:Size"] = "30" })
            .ToString().Should().Be("environment DOMAIN_SCHEDULER_BATCH_SIZE");
    }

    [Fact]
    public void PostConfigure_EnvironmentSourceAddedBeforeConfiguration_EnvironmentStillWins()
    {
        var configuration = new ConfigurationBuilder()
            .AddStatusWorkflowEnvironmentVariables(new Dictionary<string, string> { ["DOMAIN_SCHEDULER_INTERVAL_SECONDS"] = "30" })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ScraperSky:Workflows:domain:Schedule:Interval"] = "00:05:00" })
            .Build();

        var options = Options(configuration);

        options.Schedule.Interval.Should().Be(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void PostConfigure_NoEnvironmentSource_VariablesAreNotRead()
    {
        var options = Options(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["DOMAIN_SCHEDULER_BATCH_SIZE"] = "40" }).Build());

        options.Batch.Size.Should().Be(StatusWorkflowBatchOptions.DefaultSize, "only AddStatusWorkflowEnvironmentVariables maps the seeds' variables");
    }

    [Fact]
    public void PostConfigure_UnknownConfigurationKey_IsIgnoredByTheBinder()
    {
        var options = Options(config: new() { ["ScraperSky:Workflows:domain:BatchSise"] = "30" });

        options.Batch.Size.Should().Be(StatusWorkflowBatchOptions.DefaultSize);
    }

    [Fact]
    public void PostConfigure_ConfigurationAndCode_ConfigurationWins()
    {
        var options = Options(
            config: new() { ["ScraperSky:Workflows:domain:Batch:Size"] = "30", ["ScraperSky:Workflows:domain:Schedule:Interval"] = "00:00:45" },
            code: o => o.Batch.Size = 20);

        options.Batch.Size.Should().Be(30);
        options.Schedule.Interval.Should().Be(TimeSpan.FromSeconds(45));
        Source("Batch:Size", options, config: new() { ["ScraperSky:Workflows:domain:Batch:Size"] = "30" })
            .ToString().Should().Be("configuration ScraperSky:Workflows:domain:Batch:Size");
    }

    [Fact]
    public void PostConfigure_CodeOnly_SourcesSayCodeOrDefault()
    {
        var options = Options(code: o => o.Schedule.MaxInstances = 2);

        options.Schedule.MaxInstances.Should().Be(2);
        Source("Schedule:MaxInstances", options).Should().Be(SettingSource.Code);
        Source("Batch:Size", options).Should().Be(SettingSource.Default);
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
            ["DOMAIN_SCHEDULER_MODE"] = "lease",
            ["DOMAIN_SCHEDULER_LEASE_SECONDS"] = "120",
            ["DOMAIN_SCHEDULER_LEASE_RENEWAL_SECONDS"] = "20",
            ["DOMAIN_SCHEDULER_MAX_ATTEMPTS"] = "9",
            ["DOMAIN_SCHEDULER_PARALLELISM"] = "4",
            ["DOMAIN_SCHEDULER_ITEM_TIMEOUT_SECONDS"] = "90",
            ["DOMAIN_SCHEDULER_RETRY_DELAY_SECONDS"] = "5",
            ["DOMAIN_SCHEDULER_MAX_RETRY_DELAY_SECONDS"] = "300",
            ["DOMAIN_SCHEDULER_STARTUP_CHECK"] = "Off",
            ["DOMAIN_SCHEDULER_WAKE_UP"] = "0",
        }, lease: true);

        options.Should().BeEquivalentTo(new
        {
            Enabled = false,
            Mode = ClaimMode.Lease,
            Parallelism = 4,
            ItemTimeout = TimeSpan.FromSeconds(90),
            StartupCheck = StartupCheckMode.Off,
            Batch = new { Size = 25, MaxPerRun = 7 },
            Schedule = new
            {
                JobId = "process_pending_domains",
                Interval = TimeSpan.FromMinutes(5),
                MaxInstances = 3,
                MisfireGraceTime = TimeSpan.FromMinutes(30),
                Coalesce = false,
                StartJitter = TimeSpan.FromSeconds(10),
                MaxConsecutiveFailures = 4,
                FailureBackoff = TimeSpan.FromMinutes(10),
            },
            Lease = new { Duration = TimeSpan.FromMinutes(2), RenewalInterval = TimeSpan.FromSeconds(20) },
            Retry = new { MaxAttempts = 9, Delay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromMinutes(5) },
            WakeUp = new { Enabled = false, InstallTrigger = false, ConnectionString = (string?)null },
        });
    }

    [Fact]
    public void PostConfigure_NoPrefixGiven_PrefixIsTheWorkflowNameInUpperSnakeCase()
    {
        var options = Options(env: new() { ["PROCESS_PENDING_DOMAINS_SCHEDULER_INTERVAL_SECONDS"] = "15" }, name: "process_pending_domains", prefix: null);

        options.Schedule.Interval.Should().Be(TimeSpan.FromSeconds(15));
    }

    [Theory]
    [InlineData("INTERVAL_SECONDS", "0", "DOMAIN_SCHEDULER_INTERVAL_SECONDS=0 is invalid: Schedule:Interval must be more than zero and at most one day.")]
    [InlineData("INTERVAL_SECONDS", "-5", "DOMAIN_SCHEDULER_INTERVAL_SECONDS=-5 is invalid: Schedule:Interval must be more than zero and at most one day.")]
    [InlineData("INTERVAL_SECONDS", "abc", "DOMAIN_SCHEDULER_INTERVAL_SECONDS=abc is not a whole number of seconds (for Schedule:Interval).")]
    [InlineData("INTERVAL_MINUTES", "1.5", "DOMAIN_SCHEDULER_INTERVAL_MINUTES=1.5 is not a whole number of minutes (for Schedule:Interval).")]
    [InlineData("MAX_INSTANCES", "0", "DOMAIN_SCHEDULER_MAX_INSTANCES=0 is invalid: Schedule:MaxInstances must be at least 1.")]
    [InlineData("BATCH_SIZE", "10001", "DOMAIN_SCHEDULER_BATCH_SIZE=10001 is invalid: Batch:Size must be between 1 and 10000.")]
    [InlineData("BATCH_SIZE", "", "DOMAIN_SCHEDULER_BATCH_SIZE= is not a whole number (for Batch:Size).")]
    [InlineData("MISFIRE_GRACE_SECONDS", "0", "DOMAIN_SCHEDULER_MISFIRE_GRACE_SECONDS=0 is invalid: Schedule:MisfireGraceTime must be more than zero.")]
    [InlineData("JITTER_SECONDS", "60", "DOMAIN_SCHEDULER_JITTER_SECONDS=60 is invalid: Schedule:StartJitter must be at least zero and less than Schedule:Interval.")]
    [InlineData("ENABLED", "maybe", "DOMAIN_SCHEDULER_ENABLED=maybe is not true or false (for Enabled).")]
    [InlineData("MODE", "1", "DOMAIN_SCHEDULER_MODE=1 is not one of AtomicBatch, Lease (for Mode).")]
    [InlineData("RETRY_DELAY_SECONDS", "-1", "DOMAIN_SCHEDULER_RETRY_DELAY_SECONDS=-1 is invalid: Retry:Delay must be zero or more.")]
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
            .Contain("Status workflow 'domain': DOMAIN_SCHEDULER_INTERVAL_SECONDS and DOMAIN_SCHEDULER_INTERVAL_MINUTES both set Schedule:Interval; set only one of them.");
    }

    [Fact]
    public void Validate_BadConfigurationValue_FailsNamingTheKey()
    {
        var read = () => Options(config: new() { ["ScraperSky:Workflows:domain:Batch:Size"] = "abc", ["ScraperSky:Workflows:domain:Schedule:MaxInstances"] = "0" });

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().BeEquivalentTo(
            "Status workflow 'domain': ScraperSky:Workflows:domain:Batch:Size=abc is not a whole number (for Batch:Size).",
            "Status workflow 'domain': ScraperSky:Workflows:domain:Schedule:MaxInstances=0 is invalid: Schedule:MaxInstances must be at least 1.");
    }

    [Fact]
    public void Validate_ConfigurationValuesOfEveryType_NamedWithTheirKey()
    {
        var read = () => Options(config: new()
        {
            ["ScraperSky:Workflows:domain:Enabled"] = "yes",
            ["ScraperSky:Workflows:domain:Schedule:Interval"] = "soon",
            ["ScraperSky:Workflows:domain:Lease:RenewalInterval"] = "often",
            ["ScraperSky:Workflows:domain:StartupCheck"] = "Maybe",
        });

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should().BeEquivalentTo(
            "Status workflow 'domain': ScraperSky:Workflows:domain:Enabled=yes is not true or false (for Enabled).",
            "Status workflow 'domain': ScraperSky:Workflows:domain:Schedule:Interval=soon is not a time span such as 00:05:00 (for Schedule:Interval).",
            "Status workflow 'domain': ScraperSky:Workflows:domain:Lease:RenewalInterval=often is not a time span such as 00:05:00 (for Lease:RenewalInterval).",
            "Status workflow 'domain': ScraperSky:Workflows:domain:StartupCheck=Maybe is not one of Warn, Fail, Off (for StartupCheck).");
    }

    [Fact]
    public void Validate_ValueTheBinderCannotRead_LaterValuesAreStillBound()
    {
        // MaxInstances comes after BatchSize: were the binder's first failure the end, the code's 0 would be reported.
        var read = () => Options(config: new() { ["ScraperSky:Workflows:domain:Batch:Size"] = "abc", ["ScraperSky:Workflows:domain:Schedule:MaxInstances"] = "2" }, code: o => o.Schedule.MaxInstances = 0);

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should()
            .Equal("Status workflow 'domain': ScraperSky:Workflows:domain:Batch:Size=abc is not a whole number (for Batch:Size).");
    }

    [Fact]
    public void Validate_SharedPrefix_BadVariableFailsEveryWorkflowThatReadsIt()
    {
        var configuration = Configuration(env: new() { ["SITEMAP_SCHEDULER_BATCH_SIZE"] = "many" }, config: null);
        var services = Services(configuration, "jobs", "SITEMAP", code: null);
        AddWorkflow(services, "jobs.files", "SITEMAP", code: null);
        using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>();

        foreach (var name in new[] { "jobs", "jobs.files" })
        {
            var read = () => monitor.Get(name);
            read.Should().Throw<OptionsValidationException>().Which.Failures.Should()
                .Equal($"Status workflow '{name}': SITEMAP_SCHEDULER_BATCH_SIZE=many is not a whole number (for Batch:Size).");
        }
    }

    [Fact]
    public void Validate_BadValueInCode_NamesTheSettingAndValue()
    {
        var read = () => Options(code: o => o.Schedule.FailureBackoff = TimeSpan.Zero);

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should()
            .Contain("Status workflow 'domain': Schedule:FailureBackoff must be more than zero and at most one day (was 00:00:00).");
    }

    private static StatusWorkflowOptions Options(
        Dictionary<string, string>? env = null,
        Dictionary<string, string?>? config = null,
        Action<StatusWorkflowOptions>? code = null,
        string name = "domain",
        string? prefix = "DOMAIN",
        bool lease = false)
    {
        using var provider = Services(Configuration(env, config), name, prefix, code, lease).BuildServiceProvider();
        return provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get(name);
    }

    private static StatusWorkflowOptions Options(IConfiguration configuration)
    {
        using var provider = Services(configuration, "domain", "DOMAIN", code: null).BuildServiceProvider();
        return provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("domain");
    }

    /// <summary>Where a setting of the options came from, as the start-up log and the validator ask it.</summary>
    private static SettingSource Source(string setting, StatusWorkflowOptions options, Dictionary<string, string>? env = null, Dictionary<string, string?>? config = null)
        => new WorkflowConfiguration(Configuration(env, config), new WorkflowSettingsLocation("domain", "ScraperSky:Workflows:domain", "DOMAIN"))
            .SourceOf(SettingCatalog.Find(setting)!, options);

    /// <summary>A host's configuration: settings, then the seeds' variables through their source (never the process's environment).</summary>
    private static IConfiguration Configuration(Dictionary<string, string>? env, Dictionary<string, string?>? config)
        => new ConfigurationBuilder()
            .AddInMemoryCollection(config ?? [])
            .AddStatusWorkflowEnvironmentVariables(env ?? [])
            .Build();

    private static ServiceCollection Services(IConfiguration configuration, string name, string? prefix, Action<StatusWorkflowOptions>? code, bool lease = false)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(configuration);
        services.AddDbContext<LeaseWorkDb>(o => TestSchema.UseTestDatabase(o, "Host=127.0.0.1;Port=1;Database=x"));
        AddWorkflow(services, name, prefix, code, lease);
        return services;
    }

    private static void AddWorkflow(ServiceCollection services, string name, string? prefix, Action<StatusWorkflowOptions>? code, bool lease = false)
    {
        var w = services.AddStatusWorkflow<LeaseItem, JobStatus>(name);
        w.UseDbContext<LeaseWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<LeaseProcessor>()
            .Configure(code ?? (_ => { }));
        if (lease)
        {
            w.Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy);
        }

        if (prefix is not null)
        {
            w.EnvironmentPrefix(prefix);
        }
    }
}
