using System.Threading.Channels;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>
/// Values posted by the code under test (an event handler, a job body), awaited by the test in order, each with a
/// generous ceiling: tests wait for what happened, never for time to pass.
/// </summary>
public sealed class Signals<T>
{
    public static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(30);

    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>();
    private int _count;

    /// <summary>How many values have been posted so far.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Post(T value)
    {
        Interlocked.Increment(ref _count);
        _channel.Writer.TryWrite(value);
    }

    public async Task<T> NextAsync() => await _channel.Reader.ReadAsync().AsTask().WaitAsync(Ceiling);

    /// <summary>Whether a value is waiting that no <see cref="NextAsync"/> has taken.</summary>
    public bool TryTake(out T value) => _channel.Reader.TryRead(out value!);
}
