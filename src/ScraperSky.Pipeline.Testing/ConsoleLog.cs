namespace ScraperSky.Pipeline.Testing;

/// <summary>
/// Where this package says what it does on its own (installing PostgreSQL, a server it could not stop): standard error,
/// which test runners and harnesses show, because a test helper has no logger of its own.
/// </summary>
internal static class ConsoleLog
{
    /// <summary>Writes one line, prefixed with the package's name.</summary>
    public static void Write(string message) => Console.Error.WriteLine($"[ScraperSky.Pipeline.Testing] {message}");
}
