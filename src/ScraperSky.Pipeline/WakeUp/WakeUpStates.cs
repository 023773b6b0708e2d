using System.Collections.Concurrent;

namespace ScraperSky.Pipeline.WakeUp;

/// <summary>
/// The wake-up state of every workflow of the host, by workflow name: the listener records its connection's state,
/// the start-up check a trigger problem. Reading is two volatile reads, so the catalog can answer it on every request.
/// </summary>
internal sealed class WakeUpStates
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Records the state of the listening connection of these workflows.</summary>
    public void SetConnection(IEnumerable<string> workflows, WakeUpStatus status)
    {
        foreach (var workflow in workflows)
        {
            Volatile.Write(ref For(workflow).Connection, status);
        }
    }

    /// <summary>Records what the start-up check found wrong with the workflow's trigger, or clears it (null).</summary>
    public void SetTriggerProblem(string workflow, WakeUpStatus? problem) => Volatile.Write(ref For(workflow).Trigger, problem);

    /// <summary>
    /// Gets the workflow's state, or null when nothing was recorded yet. A lost or pooled connection says more than a
    /// trigger problem; a trigger problem overrides a connection that listens (or is about to) but will hear nothing.
    /// </summary>
    public WakeUpStatus? Get(string workflow)
    {
        if (!_entries.TryGetValue(workflow, out var entry))
        {
            return null;
        }

        var connection = Volatile.Read(ref entry.Connection);
        var trigger = Volatile.Read(ref entry.Trigger);
        return trigger is not null && connection?.State is null or WakeUpState.Connecting or WakeUpState.Listening ? trigger : connection;
    }

    private Entry For(string workflow) => _entries.GetOrAdd(workflow, static _ => new Entry());

    private sealed class Entry
    {
        public WakeUpStatus? Connection;
        public WakeUpStatus? Trigger;
    }
}
