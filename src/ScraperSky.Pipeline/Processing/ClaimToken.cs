using System.Globalization;

namespace ScraperSky.Pipeline.Processing;

/// <summary>
/// Claim tokens written to the claimed-by column: this process's node id plus a sequence number, so that every lease
/// claim is told apart from every other — including a later claim of the same row by the same host, which is what
/// fences a late outcome after a rescue.
/// </summary>
internal static class ClaimToken
{
    private static long _sequence;

    /// <summary>Gets this process's node id: host name, process id and a random suffix.</summary>
    public static string Node { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Random.Shared.Next(0x10000):x4}");

    /// <summary>Returns a token never returned before by any process.</summary>
    public static string Next() => string.Create(CultureInfo.InvariantCulture, $"{Node}#{Interlocked.Increment(ref _sequence)}");
}
