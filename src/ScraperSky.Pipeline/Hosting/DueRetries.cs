namespace ScraperSky.Pipeline.Hosting;

/// <summary>
/// The times (host clock) at which rows this host retried or snoozed for a workflow fall due, so that the workflow
/// runs then. One time slot of the scheduler is re-requested after every run, so an earlier wake-up run in between
/// does not make a later due time forgotten. Thread-safe.
/// </summary>
internal sealed class DueRetries
{
    private readonly SortedSet<DateTimeOffset> _due = [];

    /// <summary>Adds a run's due times and returns the earliest time still to come, if any.</summary>
    public DateTimeOffset? Next(IReadOnlyCollection<DateTimeOffset>? added, DateTimeOffset now)
    {
        lock (_due)
        {
            if (added is not null)
            {
                _due.UnionWith(added);
            }

            while (_due.Count > 0 && _due.Min <= now)
            {
                _due.Remove(_due.Min);
            }

            return _due.Count > 0 ? _due.Min : null;
        }
    }
}
