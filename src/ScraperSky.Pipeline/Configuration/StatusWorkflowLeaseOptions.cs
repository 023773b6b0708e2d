namespace ScraperSky.Pipeline;

/// <summary>The lease of a lease-mode claim (<see cref="ClaimMode.Lease"/>): <see cref="StatusWorkflowOptions.Lease"/>.</summary>
public sealed class StatusWorkflowLeaseOptions
{
    /// <summary>The default <see cref="Duration"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how long a lease-mode claim lasts without renewal. While the host holds a row (waiting in a lane,
    /// running, or waiting for its outcome to be written) its lease keeper renews the lease every
    /// <see cref="RenewalInterval"/>, so a lease expires only when its host is gone or stuck; the rescuer then returns
    /// the row to the queue. A shorter lease finds dead hosts sooner; it need not exceed <see cref="StatusWorkflowOptions.ItemTimeout"/>.
    /// </summary>
    /// <value>Default <see cref="DefaultDuration"/> (5 minutes); at least one second, at most one day, and at least three renewal intervals.</value>
    public TimeSpan Duration { get; set; } = DefaultDuration;

    /// <summary>Gets or sets how often the lease keeper renews the leases of every row the host holds, in one statement per workflow.</summary>
    /// <value>
    /// Default <see langword="null"/>: a tenth of <see cref="Duration"/>, at most 30 seconds. When set: more than zero and
    /// at most a third of <see cref="Duration"/>, so that a late or failed renewal is followed by another before the lease
    /// runs out.
    /// </value>
    public TimeSpan? RenewalInterval { get; set; }
}
