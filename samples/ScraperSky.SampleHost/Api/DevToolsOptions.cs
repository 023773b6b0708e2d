namespace ScraperSky.SampleHost.Api;

/// <summary>The seeds' dev tools: manual job triggers (configuration section <c>DevTools</c>).</summary>
public sealed class DevToolsOptions
{
    public const string Section = "DevTools";

    /// <summary>The header that carries the key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Gets or sets the key the trigger endpoints require; unset (the default) turns them off.</summary>
    public string? ApiKey { get; set; }
}
