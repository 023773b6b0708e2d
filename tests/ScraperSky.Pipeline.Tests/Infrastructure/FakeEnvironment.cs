using ScraperSky.Pipeline.Configuration;

namespace ScraperSky.Pipeline.Tests.Infrastructure;

/// <summary>An environment of a test's own: tests run in parallel, so none may change the process's variables.</summary>
internal sealed class FakeEnvironment(Dictionary<string, string>? variables = null) : IEnvironmentVariables
{
    public Dictionary<string, string> Variables { get; } = variables ?? new(StringComparer.Ordinal);

    public IEnumerable<string> Names => Variables.Keys;

    public string? Get(string name) => Variables.TryGetValue(name, out var value) ? value : null;
}
