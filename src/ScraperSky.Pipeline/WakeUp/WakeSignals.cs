using System.Collections.Concurrent;

namespace ScraperSky.Pipeline.WakeUp;

/// <summary>The wake-up flags of every workflow of the host, by workflow name.</summary>
internal sealed class WakeSignals
{
    private readonly ConcurrentDictionary<string, WakeSignal> _signals = new(StringComparer.Ordinal);

    public WakeSignal For(string workflow) => _signals.GetOrAdd(workflow, static _ => new WakeSignal());
}
