namespace ScraperSky.Pipeline.Processing;

/// <summary>Registered once per DbContext type whose options already carry the <see cref="LoopTransactionGuard"/>.</summary>
internal sealed class GuardedContextMarker<TContext>;
