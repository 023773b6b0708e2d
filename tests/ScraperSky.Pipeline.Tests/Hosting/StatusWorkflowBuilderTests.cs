using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ScraperSky.Pipeline.Definition;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Hosting;

/// <summary>
/// Misuse of <c>AddStatusWorkflow</c> fails with a message naming the workflow (issue 2): a bad argument at once, a
/// missing part when the host starts (the builder is described after <c>AddStatusWorkflow</c> returns).
/// </summary>
public sealed class StatusWorkflowBuilderTests
{
    [Fact]
    public void Status_TwoValuesEqual_ThrowsNamingWorkflowAndRoles()
    {
        var act = () => new ServiceCollection().AddStatusWorkflow<WorkItem, JobStatus>("domains")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Completed)
            .UseProcessor<ScriptedProcessor>();

        act.Should().Throw<ArgumentException>()
            .WithMessage("Status workflow 'domains' is misconfigured (Status): the completed and error values are both 'Completed'*");
    }

    [Fact]
    public void Status_NotAPropertyAccess_Throws()
    {
        var act = () => new ServiceCollection().AddStatusWorkflow<WorkItem, JobStatus>("domains")
            .Status(x => (JobStatus)(int)x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error);

        act.Should().Throw<ArgumentException>().WithMessage("Status workflow 'domains': * must be a direct property access*");
    }

    [Fact]
    public void AddStatusWorkflow_ProcessorMissing_StartUpThrowsNamingTheCall()
    {
        var services = new ServiceCollection();
        services.AddStatusWorkflow<WorkItem, JobStatus>("domains")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error);
        using var provider = services.BuildServiceProvider();

        // What a host's StartAsync runs first.
        var act = () => provider.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();

        act.Should().Throw<InvalidOperationException>().WithMessage("Status workflow 'domains' is misconfigured: call UseProcessor<TProcessor>()*");
    }

    [Fact]
    public void AddStatusWorkflow_SameNameTwice_Throws()
    {
        var services = new ServiceCollection();
        Register(services, "domains");

        var act = () => Register(services, "domains");

        act.Should().Throw<InvalidOperationException>().WithMessage("A status workflow named 'domains' is already registered*");
    }

    [Fact]
    public void AddStatusWorkflow_TwoWorkflowsOnOneContext_AddTheTransactionGuardOnce()
    {
        var services = new ServiceCollection();
        services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, "Host=127.0.0.1;Port=1"));
        Register(services, "first");
        Register(services, "second");
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();

        var options = scope.ServiceProvider.GetRequiredService<Microsoft.EntityFrameworkCore.DbContextOptions<EnumWorkDb>>();
        var interceptors = options.FindExtension<Microsoft.EntityFrameworkCore.Infrastructure.CoreOptionsExtension>()!.Interceptors!;

        interceptors.OfType<Pipeline.Processing.LoopTransactionGuard>().Should().ContainSingle();
    }

    [Fact]
    public void AddStatusWorkflow_OptionsOverload_ConfiguresTheWorkflowsNamedOptions()
    {
        var services = new ServiceCollection();
        services.AddStatusWorkflow<WorkItem, JobStatus>("domains", o => o.Batch.Size = 3)
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o => o.Lease.Duration = TimeSpan.FromMinutes(2));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("domains");

        options.Batch.Size.Should().Be(3);
        options.Lease.Duration.Should().Be(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void AddStatusWorkflow_SectionOverload_BindsThatSectionAndNamesItsKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Workers:Domains:Lease:Duration"] = "00:02:00",
            ["Workers:Domains:Batch:Size"] = "0",
            ["ScraperSky:Workflows:domains:Retry:MaxAttempts"] = "9",
        }).Build();
        var services = new ServiceCollection();
        Register(services, "domains", configuration.GetSection("Workers:Domains"));
        using var provider = services.BuildServiceProvider();

        var read = () => provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("domains");

        read.Should().Throw<OptionsValidationException>().Which.Failures.Should()
            .Equal("Status workflow 'domains': Workers:Domains:Batch:Size=0 is invalid: Batch:Size must be between 1 and 10000.");
        var valid = new ServiceCollection();
        configuration["Workers:Domains:Batch:Size"] = "4";
        Register(valid, "domains", configuration.GetSection("Workers:Domains"));
        using var validProvider = valid.BuildServiceProvider();
        var options = validProvider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("domains");
        options.Lease.Duration.Should().Be(TimeSpan.FromMinutes(2));
        options.Batch.Size.Should().Be(4);
        options.Retry.MaxAttempts.Should().Be(StatusWorkflowRetryOptions.DefaultMaxAttempts, "the default section is not read when another is given");
    }

    [Fact]
    public void BindConfiguration_Path_ReadsThatSectionOfTheHostsConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Custom:D:Schedule:Interval"] = "00:00:30",
            ["ScraperSky:Workflows:domains:Schedule:Interval"] = "00:00:10",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddStatusWorkflow<WorkItem, JobStatus>("domains")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .BindConfiguration("Custom:D");
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptionsMonitor<StatusWorkflowOptions>>().Get("domains").Schedule.Interval.Should().Be(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Lease_DateTimeColumns_AreAcceptedAndNamed()
    {
        var services = new ServiceCollection();
        services.AddStatusWorkflow<ClockItem, JobStatus>("clock")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .Lease(x => x.Attempts, x => x.LeaseExpiresAt, x => x.ClaimedBy)
            .NextAttemptAt(x => x.NextAttemptAt)
            .UpdatedAt(x => x.UpdatedAt)
            .UseProcessor<ClockProcessor>();
        using var provider = services.BuildServiceProvider();

        var registration = provider.GetRequiredService<StatusWorkflowRegistration>();

        registration.Lease.Should().Be(new LeaseProperties(nameof(ClockItem.Attempts), nameof(ClockItem.LeaseExpiresAt), nameof(ClockItem.ClaimedBy)));
        registration.NextAttemptProperty.Should().Be(nameof(ClockItem.NextAttemptAt));
        registration.UpdatedAtProperty.Should().Be(nameof(ClockItem.UpdatedAt));
    }

    private static void Register(IServiceCollection services, string name, IConfigurationSection section)
        => services.AddStatusWorkflow<WorkItem, JobStatus>(name, section)
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>();

    private static void Register(IServiceCollection services, string name)
        => services.AddStatusWorkflow<WorkItem, JobStatus>(name)
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>();

    /// <summary>An entity whose timestamps are <see cref="DateTime"/> values (a <c>timestamp</c> column).</summary>
    public sealed class ClockItem
    {
        public long Id { get; set; }

        public JobStatus Status { get; set; }

        public int Attempts { get; set; }

        public DateTime? LeaseExpiresAt { get; set; }

        public string? ClaimedBy { get; set; }

        public DateTime? NextAttemptAt { get; set; }

        public DateTime UpdatedAt { get; set; }
    }

    private sealed class ClockProcessor : IStatusItemProcessor<ClockItem>
    {
        public ValueTask<ItemResult> ProcessAsync(ClockItem item, StatusItemContext context, CancellationToken cancellationToken) => ValueTask.FromResult(ItemResult.Completed);
    }
}
