using Microsoft.Extensions.Time.Testing;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose timers can be held back, as when a process is suspended or its thread pool
/// starves: while stalled, due timers do not fire; <see cref="Release"/> fires them late, at the current fake time.
/// FakeTimeProvider alone fires every timer exactly on time, so lateness (misfires) cannot happen without this.
/// </summary>
public sealed class StallingTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<Action> _held = [];
    private bool _stalled;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 5, 4, 12, 0, 0, TimeSpan.Zero));

    public override DateTimeOffset GetUtcNow() => Clock.GetUtcNow();

    public override long GetTimestamp() => Clock.GetTimestamp();

    public override long TimestampFrequency => Clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Clock.LocalTimeZone;

    public void Advance(TimeSpan delta) => Clock.Advance(delta);

    public void Stall()
    {
        lock (_gate)
        {
            _stalled = true;
        }
    }

    /// <summary>Ends the stall and fires every held-back timer now (late).</summary>
    public void Release()
    {
        List<Action> held;
        lock (_gate)
        {
            _stalled = false;
            held = [.. _held];
            _held.Clear();
        }

        foreach (var fire in held)
        {
            fire();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        => Clock.CreateTimer(
            s =>
            {
                lock (_gate)
                {
                    if (_stalled)
                    {
                        _held.Add(() => callback(s));
                        return;
                    }
                }

                callback(s);
            },
            state,
            dueTime,
            period);
}
