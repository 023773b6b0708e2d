namespace ScraperSky.Pipeline.History;

/// <summary>Failed attempts of one workflow with one normalised message, gathered in memory between flushes.</summary>
/// <param name="message">The normalised message (<see cref="ErrorMessageNormalizer"/>).</param>
internal sealed class FailureGroup(string message)
{
    /// <summary>The most sample keys a group keeps.</summary>
    public const int MaxSampleKeys = 5;

    public string Message { get; } = message;

    public long Count { get; set; }

    public DateTimeOffset FirstSeen { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Gets the first distinct keys seen, as text, at most <see cref="MaxSampleKeys"/>.</summary>
    public List<string> SampleKeys { get; } = [];

    /// <summary>Counts one failure seen at <paramref name="at"/> of the row <paramref name="key"/>.</summary>
    public void Add(DateTimeOffset at, object? key)
    {
        if (Count++ == 0 || at < FirstSeen)
        {
            FirstSeen = at;
        }

        if (at > LastSeen)
        {
            LastSeen = at;
        }

        if (key is not null && SampleKeys.Count < MaxSampleKeys)
        {
            var text = Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            if (!SampleKeys.Contains(text))
            {
                SampleKeys.Add(text);
            }
        }
    }

    /// <summary>Adds another group's failures of the same message (a later flush's, while this one waits to be written).</summary>
    public void Merge(FailureGroup other)
    {
        if (other.Count == 0)
        {
            return;
        }

        FirstSeen = Count == 0 || other.FirstSeen < FirstSeen ? other.FirstSeen : FirstSeen;
        LastSeen = other.LastSeen > LastSeen ? other.LastSeen : LastSeen;
        Count += other.Count;
        foreach (var key in other.SampleKeys)
        {
            if (SampleKeys.Count < MaxSampleKeys && !SampleKeys.Contains(key))
            {
                SampleKeys.Add(key);
            }
        }
    }
}
