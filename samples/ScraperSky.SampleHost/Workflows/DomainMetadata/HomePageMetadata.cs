namespace ScraperSky.SampleHost.Workflows.DomainMetadata;

/// <summary>What a home page says about its site.</summary>
public sealed record HomePageMetadata(
    string? Title,
    string? Description,
    string? CanonicalUrl,
    string? Language,
    IReadOnlyList<string> Emails,
    IReadOnlyList<string> Phones);
