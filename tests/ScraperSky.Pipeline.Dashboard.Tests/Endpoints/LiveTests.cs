using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ScraperSky.Pipeline.Dashboard.Live;
using ScraperSky.Pipeline.Dashboard.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Dashboard.Tests.Endpoints;

/// <summary>Live without load: one sampler per process feeds every open page.</summary>
public sealed class LiveTests
{
    [Fact]
    public async Task Events_ThreeOpenPages_ShareOneSamplePerInterval()
    {
        var catalog = new FakeCatalog();
        await using var app = new DashboardAppFactory(
            s => s.AddSingleton<IPipelineCatalog>(catalog).AddPipelineDashboard(o => o.SampleInterval = TimeSpan.FromMilliseconds(100)),
            e => e.MapPipelineDashboard());
        var sampler = app.Services.GetRequiredService<DashboardSampler>();
        var clients = Enumerable.Range(0, 3).Select(_ => app.Client()).ToList();
        var streams = new List<StreamReader>();
        foreach (var client in clients)
        {
            var response = await client.GetAsync("/pipeline/events", HttpCompletionOption.ResponseHeadersRead);
            response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            (await reader.ReadLineAsync()).Should().Be("retry: 3000", "the stream starts once the page listens");
            streams.Add(reader);
        }

        var before = sampler.Samples;
        var events = new List<string>();
        foreach (var stream in streams)
        {
            for (var i = 0; i < 3; i++)
            {
                events.Add(await NextEventAsync(stream));
            }
        }

        events.Should().OnlyContain(e => e.Contains("\"w:orders:queued\":\"3\""));
        (sampler.Samples - before).Should().BeLessThanOrEqualTo(4, "three pages reading three events each share the sampler's samples; one sampler per page would take nine");
        catalog.CountCalls.Should().Be(sampler.Samples, "one count per workflow per sample, however many pages listen");
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static async Task<string> NextEventAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return line["data: ".Length..];
            }
        }

        throw new InvalidOperationException("The event stream ended.");
    }
}

/// <summary>The stalled badge: queued rows and no progress for <see cref="PipelineDashboardOptions.StalledAfter"/>.</summary>
public sealed class StalledTests
{
    [Fact]
    public async Task Sample_QueuedRowsWithoutProgress_IsStalledUntilRowsFinish()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var catalog = new FakeCatalog();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(time)
            .AddSingleton<IPipelineCatalog>(catalog)
            .AddPipelineDashboard(o => o.StalledAfter = TimeSpan.FromMinutes(5))
            .BuildServiceProvider();
        var sampler = services.GetRequiredService<DashboardSampler>();

        var first = await sampler.CurrentAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(4));
        var before = await sampler.CurrentAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        var stalled = await sampler.CurrentAsync(CancellationToken.None);
        catalog.Counts = catalog.Counts with { Completed = catalog.Counts.Completed + 1 };
        time.Advance(TimeSpan.FromMinutes(1));
        var moving = await sampler.CurrentAsync(CancellationToken.None);

        first.Flags["w:orders:stalled"].Should().BeFalse();
        before.Flags["w:orders:stalled"].Should().BeFalse("four minutes without progress is under StalledAfter");
        stalled.Flags["w:orders:stalled"].Should().BeTrue("queued rows and five minutes without progress");
        moving.Flags["w:orders:stalled"].Should().BeFalse("a row finished");
    }
}
