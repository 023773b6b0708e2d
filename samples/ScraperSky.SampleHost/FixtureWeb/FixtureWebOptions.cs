namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>The local fixture web (configuration section <c>FixtureWeb</c>).</summary>
public sealed class FixtureWebOptions
{
    public const string Section = "FixtureWeb";

    /// <summary>Gets or sets whether the host serves the fixture web. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the seed every synthetic site's content is generated from. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Gets or sets how many demo sites (<c>site-001.test</c>…) the seed generates. Default 200.</summary>
    public int Sites { get; set; } = 200;

    /// <summary>Gets or sets how many places the demo stages for deep scans. Default 40.</summary>
    public int Places { get; set; } = 40;

    /// <summary>
    /// Gets or sets the domain suffix the fixture serves. Host names ending with it are connected to the fixture's
    /// loopback port whatever the URL says; every other name goes to the real network. Default <c>.test</c>, a name
    /// reserved for testing that never resolves on the internet.
    /// </summary>
    public string HostSuffix { get; set; } = ".test";

    /// <summary>Gets or sets how long the <c>slow</c> sites take to answer. Default 30 s (longer than any crawl timeout).</summary>
    public TimeSpan SlowResponse { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the body size of the <c>huge</c> sites. Default 6 MB (over the crawler's 5 MB cap).</summary>
    public long HugeBodyBytes { get; set; } = 6 * 1024 * 1024;
}
