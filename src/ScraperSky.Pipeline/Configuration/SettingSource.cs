namespace ScraperSky.Pipeline.Configuration;

/// <summary>Where a setting's value came from; later origins win (the environment wins).</summary>
internal enum SettingOrigin
{
    Default,
    Code,
    Configuration,
    Environment,
}

/// <summary>The origin of one setting, with the configuration key or environment variable and its text as written there.</summary>
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
