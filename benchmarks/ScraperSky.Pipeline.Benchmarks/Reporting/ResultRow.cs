namespace ScraperSky.Pipeline.Benchmarks.Reporting;

/// <summary>One measured figure (or one that could not be measured, with <see cref="Note"/> saying why).</summary>
/// <param name="Section">drain, profile, latency, claim-cost, allocations, idle, statements.</param>
/// <param name="System">What was measured, e.g. <c>library-atomic</c>, <c>raw-sql-lease</c>, <c>hangfire</c>.</param>
/// <param name="Metric">What <paramref name="Value"/> is, e.g. <c>items/s</c>, <c>p95 ms</c>.</param>
internal sealed record ResultRow(
    string Section,
    string System,
    string Metric,
    double? Value,
    int? BatchSize = null,
    int? Workers = null,
    long? Items = null,
    double? Seconds = null,
    string Note = "");
