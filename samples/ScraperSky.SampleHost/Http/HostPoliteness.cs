using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ScraperSky.SampleHost.Http;

/// <summary>
/// Per-host politeness: at most <see cref="CrawlerOptions.PerHostConcurrency"/> requests in flight to one host name,
/// and <see cref="CrawlerOptions.PerHostDelay"/> between the end of one and the start of the next. Host names, not
/// addresses, are the unit, so the fixture web's many sites on one loopback port are treated as the sites they are.
/// </summary>
public sealed class HostPoliteness(IOptions<CrawlerOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, HostGate> _hosts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Waits for this host's turn; dispose the result when the response headers have arrived.</summary>
    public async Task<IDisposable> WaitTurnAsync(string host, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var gate = _hosts.GetOrAdd(host, _ => new HostGate(Math.Max(1, settings.PerHostConcurrency)));
        await gate.Slots.WaitAsync(cancellationToken);
        try
        {
            var wait = gate.NextStart - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }
        }
        catch
        {
            gate.Slots.Release();
            throw;
        }

        return new Turn(gate, settings.PerHostDelay, time);
    }

    private sealed class HostGate(int concurrency)
    {
        public SemaphoreSlim Slots { get; } = new(concurrency, concurrency);

        public DateTimeOffset NextStart { get; set; } = DateTimeOffset.MinValue;
    }

    private sealed class Turn(HostGate gate, TimeSpan delay, TimeProvider time) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate.NextStart = time.GetUtcNow() + delay;
                gate.Slots.Release();
            }
        }
    }
}
