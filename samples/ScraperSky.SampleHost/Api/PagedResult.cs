namespace ScraperSky.SampleHost.Api;

/// <summary>One page of a list, with the total count of rows that match the filters.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int Size, long Total);
