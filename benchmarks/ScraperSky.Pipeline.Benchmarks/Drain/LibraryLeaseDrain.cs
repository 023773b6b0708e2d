namespace ScraperSky.Pipeline.Benchmarks.Drain;

/// <summary>
/// The library in lease mode: a placeholder until lease mode lands. Then this class builds its workers like
/// <see cref="LibraryAtomicDrain"/> with the lease option set (and returns a <see cref="LibraryDrainRun"/>), and
/// <see cref="Unavailable"/> returns null; nothing else in the harness changes: the headline ratios switch to
/// library-lease / raw-sql-lease on their own.
/// </summary>
internal sealed class LibraryLeaseDrain : IDrainSystem
{
    public string Name => "library-lease";

    public DrainPattern Pattern => DrainPattern.Lease;

    public string? Unavailable => "n/a (lease mode not yet available)";

    public bool UsesQueueTable => true;

    public Task<IDrainRun> PrepareAsync(DrainSetup setup, CancellationToken ct)
        => throw new NotSupportedException(Unavailable);
}
