namespace ScraperSky.Pipeline.Scheduling;

/// <summary>What an <see cref="IJobRunGate"/> decided: the run starts (and what to give back when it ends), or why not.</summary>
internal sealed class JobRunPermit : IAsyncDisposable
{
    private Func<ValueTask>? _release;

    private JobRunPermit(string? skipReason, Func<ValueTask>? release)
    {
        SkipReason = skipReason;
        _release = release;
    }

    /// <summary>Why the run does not start on this host, or <see langword="null"/> when it may.</summary>
    public string? SkipReason { get; }

    /// <summary>The run may start; <paramref name="release"/> (if any) runs once when it ended.</summary>
    public static JobRunPermit Granted(Func<ValueTask>? release = null) => new(null, release);

    /// <summary>The run does not start here.</summary>
    public static JobRunPermit Refused(string reason) => new(reason, null);

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _release, null) is { } release ? release() : ValueTask.CompletedTask;
}
