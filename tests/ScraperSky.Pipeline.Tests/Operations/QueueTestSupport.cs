using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ScraperSky.Pipeline.Operations;
using ScraperSky.Pipeline.Tests.Infrastructure;

namespace ScraperSky.Pipeline.Tests.Operations;

/// <summary>Progress that records every report synchronously, in order (<see cref="Progress{T}"/> posts them later).</summary>
internal sealed class RecordingProgress(Action<long>? onReport = null) : IProgress<long>
{
    public List<long> Reports { get; } = [];

    public void Report(long value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}

/// <summary>A connection that listens on one channel and posts every notification it receives.</summary>
internal sealed class ChannelListener : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly CancellationTokenSource _stop = new();
    private Task _pump = Task.CompletedTask;

    private ChannelListener(NpgsqlConnection connection) => _connection = connection;

    public Signals<string> Received { get; } = new();

    public static async Task<ChannelListener> StartAsync(string connectionString, string channel)
    {
        var listener = new ChannelListener(new NpgsqlConnection(connectionString));
        await listener._connection.OpenAsync();
        listener._connection.Notification += (_, e) => listener.Received.Post(e.Channel);
        await using (var command = new NpgsqlCommand($"LISTEN \"{channel}\"", listener._connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        listener._pump = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await listener._connection.WaitAsync(listener._stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}

internal static class QueueHarness
{
    public static IStatusWorkflowQueues Queues(this WorkflowHarness harness) => harness.Services.GetRequiredService<IStatusWorkflowQueues>();

    /// <summary>Sets the rows per batch of bulk operations (the internal seam) so that a few rows make several batches.</summary>
    public static IStatusWorkflowQueues WithBatchSize(this IStatusWorkflowQueues queues, int size)
    {
        ((StatusWorkflowQueues)queues).BatchSize = size;
        return queues;
    }
}
