using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Hosting;

/// <summary>Workflows run by the host, and misconfigurations that stop the host at start-up (issue 2).</summary>
public sealed class StatusWorkflowHostedServiceTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StartAsync_QueuedRows_AreProcessedByTheHost()
    {
        await db.SeedAsync("enum_items", 3);
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = BuildHost<EnumWorkDb>(script => script.Body = (item, _, _) =>
        {
            if (item.Id == 3)
            {
                allSeen.TrySetResult();
            }

            return ValueTask.FromResult(ItemResult.Completed);
        });

        await host.StartAsync();
        await allSeen.Task.WaitAsync(Ceiling);
        await host.StopAsync();

        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Completed"] = 3 });
    }

    [Fact]
    public async Task StopAsync_CalledTwice_IsSafe()
    {
        using var host = BuildHost<EnumWorkDb>();
        await host.StartAsync();

        await host.StopAsync();
        var again = () => host.StopAsync();

        await again.Should().NotThrowAsync();
    }

    [Fact]
    public async Task StartAsync_StatusTypeDoesNotMatchColumn_FailsNamingTStatusAndClaimsNothing()
    {
        await db.SeedAsync("enum_items", 2);
        using var host = BuildHost<MismatchedWorkDb>();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("Status workflow 'work' is misconfigured (TStatus): the model stores the status as Int32*does not match the type of column \"status\"*");
        host.Services.GetRequiredService<ProcessorScript>().Calls.Should().BeEmpty();
        (await db.Database.CountByStatusAsync("enum_items")).Should().Equal(new Dictionary<string, long> { ["Queued"] = 2 });
    }

    [Fact]
    public async Task StartAsync_StatusValueNotAnEnumLabel_FailsNamingStatus()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDbContext<WrongLabelDb>(o => TestSchema.Quiet(o).UseNpgsql(db.ConnectionString, n => n.MapEnum<WrongLabel>("job_status", nameTranslator: new Npgsql.NameTranslation.NpgsqlNullNameTranslator())));
        builder.Services.AddStatusWorkflow<WrongLabelItem, WrongLabel>("work", w => w
            .UseDbContext<WrongLabelDb>()
            .Status(x => x.Status, WrongLabel.Queued, WrongLabel.Processing, WrongLabel.Done, WrongLabel.Error)
            .UseProcessor<CompleteEverything<WrongLabelItem>>());
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("Status workflow 'work' is misconfigured (Status): a status value is not valid for column \"status\"*Done*");
    }

    [Fact]
    public async Task StartAsync_TableMissing_FailsNamingTable()
    {
        using var host = BuildHost<MissingTableDb>();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*'work'*table no_such_table does not exist*");
    }

    [Theory]
    [InlineData(0, "BatchSize must be between 1 and 10000 (was 0)")]
    [InlineData(10_001, "BatchSize must be between 1 and 10000 (was 10001)")]
    public async Task StartAsync_BatchSizeOutOfRange_FailsNamingWorkflowAndSetting(int batchSize, string expected)
    {
        using var host = BuildHost<EnumWorkDb>(configure: o => o.BatchSize = batchSize);

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage($"*Status workflow 'work': {expected}*");
    }

    [Fact]
    public async Task StartAsync_IntervalZero_FailsNamingInterval()
    {
        using var host = BuildHost<EnumWorkDb>(configure: o => o.Interval = TimeSpan.Zero);

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*Status workflow 'work': Interval must be more than zero*");
    }

    [Fact]
    public async Task StartAsync_DatabaseUnreachable_HostStillStarts()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ProcessorScript>();
        // A closed port: the schema check is deferred to the first claim instead of failing the host.
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, "Host=127.0.0.1;Port=1;Database=x;Username=x;Timeout=2"));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("work", w => w
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>());
        using var host = builder.Build();

        var start = () => host.StartAsync();

        await start.Should().NotThrowAsync();
        await host.StopAsync();
    }

    private IHost BuildHost<TContext>(Action<ProcessorScript>? script = null, Action<StatusWorkflowOptions>? configure = null)
        where TContext : DbContext
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddDbContext<TContext>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("work", w => w
            .UseDbContext<TContext>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .ErrorText(x => x.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(configure ?? (_ => { })));
        var host = builder.Build();
        script?.Invoke(host.Services.GetRequiredService<ProcessorScript>());
        return host;
    }

    public enum WrongLabel
    {
        Queued,
        Processing,
        Done,
        Error,
    }

    public sealed class WrongLabelItem
    {
        public long Id { get; set; }

        public WrongLabel Status { get; set; }
    }

    public sealed class WrongLabelDb(DbContextOptions<WrongLabelDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<WrongLabelItem>(e =>
            {
                e.ToTable("enum_items");
                e.Property(x => x.Id).HasColumnName("id");
                e.Property(x => x.Status).HasColumnName("status");
            });
    }

    public sealed class MissingTableDb(DbContextOptions<MissingTableDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<WorkItem>(e =>
            {
                e.ToTable("no_such_table");
                TestSchema.MapColumns(e);
            });
    }

    public sealed class CompleteEverything<TEntity> : IStatusItemProcessor<TEntity>
        where TEntity : class
    {
        public ValueTask<ItemResult> ProcessAsync(TEntity item, StatusItemContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(ItemResult.Completed);
    }
}
