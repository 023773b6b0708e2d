namespace ScraperSky.SampleHost.Curation;

/// <summary>What a batch curation update did: rows updated, rows queued for processing, or the ids that do not exist (then nothing changed).</summary>
public sealed record CurationResult(int Updated, int Queued, IReadOnlyList<long> UnknownIds);
