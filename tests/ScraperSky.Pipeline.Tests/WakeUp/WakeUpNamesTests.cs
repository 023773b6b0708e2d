using ScraperSky.Pipeline.Hosting;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScraperSky.Pipeline.Tests.Infrastructure;
using ScraperSky.Pipeline.WakeUp;

namespace ScraperSky.Pipeline.Tests.WakeUp;

/// <summary>
/// Regression (bad input, item 5): workflow names that fold or truncate to the same identifier (<c>exp.jobs</c> and
/// <c>exp_jobs</c>, <c>Foo</c> and <c>foo</c>, long names sharing 52 characters) used to stop the host with "An item with
/// the same key has already been added", the second trigger function overwriting the first. Each now gets its own.
/// </summary>
public sealed class WakeUpNamesTests(SchemaFixture db) : IClassFixture<SchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);
    private static readonly string Shared52 = new('w', 52);

    public static TheoryData<string, string> Pairs => new()
    {
        { "exp.jobs", "exp_jobs" },
        { "Foo", "foo" },
        { Shared52 + "_first", Shared52 + "_second" },
    };

    public Task InitializeAsync() => db.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Names_FoldedOrTruncatedToTheSameText_StayDistinctAndValid(string first, string second)
    {
        var names = new[] { first, second }.Select(n => (Channel: WakeUpSql.Channel(n), Triggers: WakeUpSql.TriggerNames(n))).ToList();

        names[0].Channel.Should().NotBe(names[1].Channel);
        names[0].Triggers.Function.Should().NotBe(names[1].Triggers.Function);
        names[0].Triggers.InsertTrigger.Should().NotBe(names[1].Triggers.InsertTrigger);
        names.SelectMany(n => new[] { n.Channel, n.Triggers.Function, n.Triggers.InsertTrigger, n.Triggers.UpdateTrigger })
            .Should().OnlyContain(n => Encoding.UTF8.GetByteCount(n) <= 63 && n.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'));
        FluentActions.Invoking(() => WakeUpSql.EnsureDistinct([first, second])).Should().NotThrow();
    }

    [Fact]
    public void Channel_PlainLowerCaseName_KeepsItsEarlierName()
        => WakeUpSql.Channel("exp_jobs").Should().Be("scrapersky_exp_jobs", "a trigger installed by an earlier version keeps working");

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task StartAsync_TwoWorkflowsWhoseNamesFoldAlike_EachIsWokenByItsOwnTable(string first, string second)
    {
        var processed = new ConcurrentDictionary<string, TaskCompletionSource>();
        Task Processed(string payload) => processed.GetOrAdd(payload, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        ValueTask<ItemResult> Record(string payload)
        {
            processed.GetOrAdd(payload, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return ValueTask.FromResult(ItemResult.Completed);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ProcessorScript>();
        builder.Services.AddSingleton<LeaseScript>();
        builder.Services.AddDbContext<EnumWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        builder.Services.AddDbContext<LeaseWorkDb>(o => TestSchema.UseTestDatabase(o, db.ConnectionString));
        static void Wake(StatusWorkflowOptions o)
        {
            o.Schedule.Interval = TimeSpan.FromHours(1);
            o.WakeUp.Enabled = true;
            o.WakeUp.InstallTrigger = true;
        }

        builder.Services.AddStatusWorkflow<WorkItem, JobStatus>(first)
            .UseDbContext<EnumWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<ScriptedProcessor>()
            .Configure(Wake);
        builder.Services.AddStatusWorkflow<LeaseItem, JobStatus>(second)
            .UseDbContext<LeaseWorkDb>()
            .Status(x => x.Status, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Error)
            .UseProcessor<LeaseProcessor>()
            .Configure(Wake);
        using var host = builder.Build();
        host.Services.GetRequiredService<ProcessorScript>().Body = (item, _, _) => Record("enum " + item.Payload);
        host.Services.GetRequiredService<LeaseScript>().Body = (item, _, _) => Record("lease " + item.Payload);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<WakeUpListener>().Listening += () => listening.TrySetResult();

        await host.StartAsync().WaitAsync(Ceiling);
        try
        {
            await listening.Task.WaitAsync(Ceiling);
            await db.Database.ExecuteAsync("INSERT INTO enum_items (payload) VALUES ('one')");
            await Processed("enum one").WaitAsync(Ceiling);
            await db.Database.ExecuteAsync("INSERT INTO lease_items (payload) VALUES ('two')");
            await Processed("lease two").WaitAsync(Ceiling);
        }
        finally
        {
            await host.StopAsync();
        }

        processed.Keys.Should().BeEquivalentTo("enum one", "lease two");
    }
}
