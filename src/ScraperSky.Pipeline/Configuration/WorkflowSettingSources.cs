namespace ScraperSky.Pipeline.Configuration;

/// <summary>Where a setting's value came from; later origins win (seed 003: the environment wins).</summary>
internal enum SettingOrigin
{
    Default,
    Code,
    Configuration,
    Environment,
}

/// <summary>The origin of one setting, with the configuration key or environment variable and its raw text.</summary>
internal sealed record SettingSource(SettingOrigin Origin, string? Key = null, string? RawValue = null)
{
    public static readonly SettingSource Default = new(SettingOrigin.Default);

    public static readonly SettingSource Code = new(SettingOrigin.Code);

    public override string ToString() => Origin switch
    {
        SettingOrigin.Configuration => "configuration " + Key,
        SettingOrigin.Environment => "environment " + Key,
        _ => Origin.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// Where each of a workflow's settings came from, and the values that could not be read. Filled when the workflow's
/// options are built; read by the validator (to name the variable in its messages) and by the start-up log.
/// </summary>
internal sealed class WorkflowSettingSources(string prefix)
{
    private readonly Dictionary<string, SettingSource> _byProperty = new(StringComparer.Ordinal);

    public string Prefix { get; } = prefix;

    /// <summary>Values that could not be read, each a sentence naming the key or variable and the value.</summary>
    public List<string> Errors { get; } = [];

    public SettingSource Of(string property) => _byProperty.TryGetValue(property, out var source) ? source : SettingSource.Default;

    public void Set(string property, SettingSource source) => _byProperty[property] = source;
}
