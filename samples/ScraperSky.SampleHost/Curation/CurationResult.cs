namespace ScraperSky.SampleHost.Curation;

/// <summary>
/// What a batch curation update did: rows updated, rows queued for processing (those a host was processing right now
/// are not), or the ids that do not exist (then nothing changed).
/// </summary>
public sealed record CurationResult(int Updated, long Queued, IReadOnlyList<long> UnknownIds);
