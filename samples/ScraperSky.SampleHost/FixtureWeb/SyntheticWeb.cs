using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ScraperSky.SampleHost.FixtureWeb;

/// <summary>
/// The deterministic content of the fixture web: every site, page, sitemap and place is generated from the seed
/// and its own name, so the same seed always serves the same bytes and tests can ask for the expected values.
/// </summary>
public sealed partial class SyntheticWeb
{
    /// <summary>The host of the fake places-details API.</summary>
    public const string PlacesHost = "places.test";

    private static readonly string[] Trades = ["Dental Care", "Plumbing", "Bakery", "Roofing", "Law Office", "Veterinary Clinic", "Coffee Roasters", "Bike Repair"];
    private static readonly string[] Cities = ["Austin", "Denver", "Portland", "Raleigh", "Madison", "Tucson", "Boise", "Savannah"];
    private static readonly string[] Owners = ["Smith & Sons", "Garcia", "O'Brien", "Nguyen", "Müller", "Okafor", "Rossi", "Kowalski"];
    private static readonly string[] Languages = ["en", "en-US", "de", "fr", "es", "nl"];
    private static readonly string[] Servers = ["nginx/1.25.3", "Apache/2.4.58", "fixture-httpd/1.0", "LiteSpeed"];
    private static readonly string[] ChangeFrequencies = ["always", "hourly", "daily", "weekly", "monthly", "yearly", "never"];
    private static readonly string[] Sections = ["services", "blog", "about", "team", "locations"];
    private static readonly FrozenDictionary<string, SiteKind> KindsByName = Enum.GetValues<SiteKind>().ToFrozenDictionary(Kebab, k => k, StringComparer.OrdinalIgnoreCase);
    private static readonly SiteKind[] BrokenKinds = Enum.GetValues<SiteKind>().Where(k => k >= SiteKind.NotFound).ToArray();

    private readonly FrozenDictionary<string, SiteKind> _generated;

    public SyntheticWeb(int seed, string hostSuffix = ".test", int generatedSites = 0)
    {
        Seed = seed;
        HostSuffix = hostSuffix;
        _generated = GenerateKinds(seed, generatedSites, hostSuffix).ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        GeneratedHosts = _generated.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    public int Seed { get; }

    public string HostSuffix { get; }

    /// <summary>Gets the demo's generated host names, <c>site-001.test</c> and up, in order.</summary>
    public IReadOnlyList<string> GeneratedHosts { get; }

    /// <summary>The kebab-case name of a kind, as used in host names (<c>redirect-loop</c>).</summary>
    public static string Kebab(SiteKind kind) => KebabRegex().Replace(kind.ToString(), "-$1").ToLowerInvariant();

    /// <summary>A host name that the fixture serves as <paramref name="kind"/>, such as <c>not-found-2.test</c>.</summary>
    public string HostFor(SiteKind kind, int number) => $"{Kebab(kind)}-{number}{HostSuffix}";

    /// <summary>Returns the site served under <paramref name="host"/>, or <see langword="null"/> when the fixture has none.</summary>
    public FixtureSite? Site(string host)
    {
        if (!host.EndsWith(HostSuffix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        SiteKind kind;
        if (!_generated.TryGetValue(host, out kind))
        {
            var match = KindHostRegex().Match(host[..^HostSuffix.Length]);
            if (!match.Success || !KindsByName.TryGetValue(match.Groups["kind"].Value, out kind))
            {
                return null;
            }
        }

        var random = RandomFor(host.ToLowerInvariant(), "site");
        var trade = Pick(random, Trades);
        var city = Pick(random, Cities);
        var owner = Pick(random, Owners);
        var mailbox = Pick(random, ["office", "hello", "contact", "team"]);
        var name = host.ToLowerInvariant();
        return new FixtureSite(
            name,
            kind,
            Title: $"{owner} {trade} | {city}",
            Description: $"{owner} {trade.ToLowerInvariant()} in {city} since {1950 + random.Next(70)}.",
            Language: Pick(random, Languages),
            Emails: [$"info@{name}", $"{mailbox}@{name}"],
            Phones: [$"+1 512-555-{random.Next(100, 1000):0000}", $"+1 737-555-{random.Next(100, 1000):0000}"],
            Server: Pick(random, Servers));
    }

    /// <summary>The entries of the urlset served at <paramref name="path"/> of <paramref name="host"/>.</summary>
    public IReadOnlyList<FixtureSitemapEntry> UrlSet(string host, string path)
    {
        host = host.ToLowerInvariant();
        var random = RandomFor(host, path);
        var count = random.Next(5, 30);
        var section = Pick(random, Sections);
        var entries = new List<FixtureSitemapEntry>(count);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 1; i <= count; i++)
        {
            var day = start.AddDays(random.Next(365));
            string? lastModified = random.Next(4) switch
            {
                0 => null,
                1 => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                _ => day.AddHours(random.Next(24)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            };
            var changeFrequency = random.Next(5) == 0 ? null : Pick(random, ChangeFrequencies);
            var priority = random.Next(5) == 0 ? null : (random.Next(1, 11) / 10m).ToString("0.0", CultureInfo.InvariantCulture);
            entries.Add(new FixtureSitemapEntry($"http://{host}/{section}/{PathSlug(path)}-{i}", lastModified, changeFrequency, priority));
        }

        return entries;
    }

    /// <summary>The places a demo seeds into <c>places_staging</c>: about one in ten is broken (missing, failing or slow).</summary>
    public IReadOnlyList<(string PlaceId, string Name)> Places(int count)
    {
        var random = RandomFor("places", count.ToString(CultureInfo.InvariantCulture));
        var places = new List<(string, string)>(count);
        for (var i = 1; i <= count; i++)
        {
            var suffix = random.Next(10) == 0 ? Pick(random, ["-missing", "-error"]) : string.Empty;
            places.Add(($"place-{i:0000}{suffix}", $"{Pick(random, Owners)} {Pick(random, Trades)}"));
        }

        return places;
    }

    /// <summary>A deterministic random source for one thing of this web, independent of .NET's per-process hash seeds.</summary>
    internal Random RandomFor(params string[] parts)
    {
        // FNV-1a over the seed and the parts: stable across processes and runtimes.
        var hash = 2166136261u ^ (uint)Seed;
        foreach (var b in parts.SelectMany(p => Encoding.UTF8.GetBytes(p + "\0")))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return new Random((int)(hash & 0x7fffffff));
    }

    private static IEnumerable<KeyValuePair<string, SiteKind>> GenerateKinds(int seed, int count, string suffix)
    {
        if (count <= 0)
        {
            yield break;
        }

        // About one site in eleven is broken, every broken kind at least once; the rest are healthy variants.
        var random = new Random(seed);
        var kinds = new List<SiteKind>(count);
        var eachBroken = Math.Max(1, count / 100);
        foreach (var broken in BrokenKinds)
        {
            kinds.AddRange(Enumerable.Repeat(broken, eachBroken));
        }

        while (kinds.Count < count)
        {
            kinds.Add(random.Next(20) switch
            {
                < 8 => SiteKind.Standard,
                < 13 => SiteKind.WellKnown,
                < 15 => SiteKind.Duplicate,
                < 17 => SiteKind.NestedIndex,
                _ => SiteKind.NoSitemap,
            });
        }

        var shuffled = kinds.Take(count).ToArray();
        random.Shuffle(shuffled);
        for (var i = 0; i < shuffled.Length; i++)
        {
            yield return new($"site-{i + 1:000}{suffix}", shuffled[i]);
        }
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];

    private static string PathSlug(string path) => path.Trim('/').Split('/')[^1].Split('.')[0];

    [GeneratedRegex("(?<!^)([A-Z])")]
    private static partial Regex KebabRegex();

    [GeneratedRegex("^(?<kind>[a-z]+(?:-[a-z]+)*?)(?:-[0-9]+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex KindHostRegex();
}
