using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.WakeUp;

/// <summary>The wake-up state the catalog reports when the listening connection goes through a transaction-mode pooler.</summary>
public sealed class WakeUpStateTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);
    private PgBouncer? _bouncer;

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        // One server connection: every transaction of every client lands on the same backend, as a busy pooler's can.
        _bouncer = await PgBouncer.StartAsync(db.ConnectionString, serverConnections: 1);
    }

    public async Task DisposeAsync()
    {
        if (_bouncer is not null)
        {
            await _bouncer.DisposeAsync();
        }
    }

    [Fact]
    public async Task ListenerBehindTransactionPooler_WakeUpStatusIsPollingOnlyWithTheReason()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>("wake_pooled")
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(o =>
            {
                o.Schedule.Interval = TimeSpan.FromHours(1);
                o.WakeUp.Enabled = true;
                o.WakeUp.InstallTrigger = true;
                o.WakeUp.ConnectionString = _bouncer!.ConnectionString;
            });
        using var host = builder.Build();
        var catalog = host.Services.GetRequiredService<IPipelineCatalog>();

        await host.StartAsync().WaitAsync(Ceiling);
        try
        {
            await WaitUntilAsync(() => catalog.GetWakeUpStatus("wake_pooled").State != WakeUpState.Connecting);

            var status = catalog.GetWakeUpStatus("wake_pooled");
            status.State.Should().Be(WakeUpState.PollingOnly, _bouncer!.ReadLog());
            status.Reason.Should().Contain("transaction-mode pooler").And.Contain("WakeUp:ConnectionString");
            status.Since.Should().NotBeNull();
        }
        finally
        {
            await host.StopAsync().WaitAsync(Ceiling);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        using var ceiling = new CancellationTokenSource(Ceiling);
        while (!condition())
        {
            await timer.WaitForNextTickAsync(ceiling.Token);
        }
    }
}
