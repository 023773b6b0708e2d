using System.Net;

namespace ScraperSky.SampleHost.Http;

/// <summary>A successful fetch: the final response's status and headers and its body, decompressed.</summary>
public sealed record FetchResult(
    Uri RequestedUrl,
    Uri FinalUrl,
    HttpStatusCode StatusCode,
    string? ContentType,
    string? Server,
    string? LastModified,
    bool WasGzipped,
    byte[] Body);
