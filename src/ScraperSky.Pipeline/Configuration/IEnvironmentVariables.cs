namespace ScraperSky.Pipeline.Configuration;

/// <summary>
/// Reads environment variables. An abstraction so that tests, which run in parallel, give each host an environment of
/// its own instead of changing the process's.
/// </summary>
internal interface IEnvironmentVariables
{
    /// <summary>Gets a variable's value, or <see langword="null"/> when it is not set.</summary>
    string? Get(string name);

    /// <summary>Gets the names of every variable that is set.</summary>
    IEnumerable<string> Names { get; }
}

/// <summary>The process's environment.</summary>
internal sealed class ProcessEnvironmentVariables : IEnvironmentVariables
{
    public string? Get(string name) => Environment.GetEnvironmentVariable(name);

    public IEnumerable<string> Names => Environment.GetEnvironmentVariables().Keys.Cast<string>();
}
