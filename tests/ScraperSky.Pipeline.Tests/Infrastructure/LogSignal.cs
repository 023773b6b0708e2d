using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>
/// Keeps every log event with its exception, and lets a test await the moment an event id has been logged a number of
/// times: the library's log events are its test signals for faults that have no other outward sign.
/// </summary>
public sealed class LogSignal : ILoggerProvider
{
    private readonly ConcurrentDictionary<int, int> _counts = new();
    private readonly List<(int EventId, int Count, TaskCompletionSource Reached)> _waiters = [];

    public ConcurrentQueue<(int EventId, LogLevel Level, string Message, Exception? Exception)> Events { get; } = new();

    /// <summary>Completes when <paramref name="eventId"/> has been logged <paramref name="count"/> times (counting earlier events).</summary>
    public Task WhenLogged(int eventId, int count = 1)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_counts.GetValueOrDefault(eventId) >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((eventId, count, reached));
        }

        return reached.Task;
    }

    /// <summary>The messages of every <paramref name="eventId"/> event, in order.</summary>
    public IEnumerable<string> Messages(int eventId) => Events.Where(e => e.EventId == eventId).Select(e => e.Message);

    /// <summary>How many times <paramref name="eventId"/> has been logged.</summary>
    public int Count(int eventId) => _counts.GetValueOrDefault(eventId);

    public ILogger CreateLogger(string categoryName) => new Recorder(this);

    public void Dispose()
    {
    }

    private void Record(int eventId, LogLevel level, string message, Exception? exception)
    {
        Events.Enqueue((eventId, level, message, exception));
        lock (_waiters)
        {
            var count = _counts.AddOrUpdate(eventId, 1, (_, c) => c + 1);
            foreach (var waiter in _waiters.Where(w => w.EventId == eventId && w.Count <= count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Reached.TrySetResult();
            }
        }
    }

    private sealed class Recorder(LogSignal owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Record(eventId.Id, logLevel, formatter(state, exception), exception);
    }
}
