using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using ScraperSky.Pipeline.Claiming;
using ScraperSky.Pipeline.Diagnostics;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// What both claim modes do with the session of a processor that ignored its cancellation: end its transaction on the
/// server (a cancel request stops only a running statement, and closing a connection another thread still uses is not
/// safe), and dispose its scope only after a generous delay, since the processor may still hold it.
/// </summary>
internal static class AbandonedSession
{
    /// <summary>How long an abandoned processor keeps its scope before it is disposed under it.</summary>
    private static readonly TimeSpan DisposeDelay = TimeSpan.FromMinutes(1);

    /// <summary>Ends the abandoned transaction's backend, if there is one, and logs it; returns whether it was ended. Never throws.</summary>
    public static async Task<bool> EndAsync(IWorkflowStore store, ILogger logger, string workflow, object? key, int? backend)
    {
        var ended = false;
        Exception? failure = null;
        if (backend is { } pid)
        {
            try
            {
                ended = await store.TerminateBackendAsync(pid, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                failure = ex;
            }
        }

        Log.ItemAbandoned(logger, failure, workflow, key, backend, ended);
        return ended;
    }

    /// <summary>Disposes the abandoned processor's scope after <see cref="DisposeDelay"/>, in the background.</summary>
    public static void DisposeLater(AsyncServiceScope scope) => _ = DisposeAfterDelayAsync(scope);

    private static async Task DisposeAfterDelayAsync(AsyncServiceScope scope)
    {
        await Task.Delay(DisposeDelay).ConfigureAwait(false);
        await scope.DisposeAsync().ConfigureAwait(false);
    }
}
