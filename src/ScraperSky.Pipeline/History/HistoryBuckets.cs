namespace ScraperSky.Pipeline.History;

/// <summary>
/// The fixed, log-spaced buckets of the history's time distributions (wait and processing), so that minutes and hosts
/// merge exactly by adding counts: a percentile of merged buckets is right where a percentile of percentiles is not.
/// The upper bounds follow the R5 preferred numbers (1, 1.6, 2.5, 4, 6.3 × 10ⁿ ms) from 1 ms to 10⁹ ms (11.6 days):
/// five buckets a decade, so a percentile read from them is within a factor of 1.6 of the truth before interpolation.
/// </summary>
/// <remarks>
/// Bucket <c>i</c> counts values in (<c>Bounds[i - 1]</c>, <c>Bounds[i]</c>]; bucket 0 counts values up to 1 ms and the
/// last bucket counts values above 10⁹ ms. The bounds are part of the stored format: changing them needs a new column.
/// </remarks>
internal static class HistoryBuckets
{
    private static readonly double[] Mantissas = [1, 1.6, 2.5, 4, 6.3];

    /// <summary>The upper bounds of every bucket but the last, in milliseconds, ascending.</summary>
    public static readonly double[] Bounds = CreateBounds();

    /// <summary>The number of buckets: one per bound and one above the last.</summary>
    public static readonly int Count = Bounds.Length + 1;

    /// <summary>Returns the bucket of a value in milliseconds (binary search; no allocation).</summary>
    public static int IndexOf(double milliseconds)
    {
        int low = 0, high = Bounds.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (milliseconds <= Bounds[middle])
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }

    /// <summary>
    /// Returns the <paramref name="quantile"/> (0–1) of the distribution in <paramref name="counts"/>, interpolated
    /// log-linearly inside its bucket and never above <paramref name="max"/>; null when nothing was counted.
    /// </summary>
    /// <param name="counts">The counts per bucket (<see cref="Count"/> of them).</param>
    /// <param name="quantile">The quantile, such as 0.5 or 0.95.</param>
    /// <param name="max">The largest value counted, in milliseconds (kept beside the buckets).</param>
    public static double? Percentile(ReadOnlySpan<long> counts, double quantile, double max)
    {
        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        // The rank of the value sought, 1-based: p50 of 3 values is the 2nd, p95 of 20 values the 19th.
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0 || seen + counts[i] < rank)
            {
                seen += counts[i];
                continue;
            }

            var lower = i == 0 ? 0 : Bounds[i - 1];
            var upper = i < Bounds.Length ? Math.Min(Bounds[i], Math.Max(max, lower)) : Math.Max(max, lower);
            var fraction = (double)(rank - seen) / counts[i];
            var value = lower <= 0 ? upper * fraction : lower * Math.Pow(upper / lower, fraction);
            return Math.Min(value, max > 0 ? max : value);
        }

        return max;
    }

    private static double[] CreateBounds()
    {
        var bounds = new List<double>();
        for (var exponent = 0; exponent < 9; exponent++)
        {
            foreach (var mantissa in Mantissas)
            {
                bounds.Add(Math.Round(mantissa * Math.Pow(10, exponent), 3));
            }
        }

        bounds.Add(1e9);
        return [.. bounds];
    }
}
