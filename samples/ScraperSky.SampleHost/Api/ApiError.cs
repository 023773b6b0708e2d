namespace ScraperSky.SampleHost.Api;

/// <summary>The body of every 4xx/5xx answer of the API: one message a person understands.</summary>
public sealed record ApiError(string Error);
