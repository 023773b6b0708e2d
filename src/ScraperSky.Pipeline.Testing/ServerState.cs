namespace ScraperSky.Pipeline.Testing;

/// <summary>What a cluster's <c>postmaster.pid</c> says, checked against the process table.</summary>
internal enum ServerState
{
    /// <summary>No postmaster.pid: nothing to stop.</summary>
    NotRunning,

    /// <summary>postmaster.pid names a live process (or one we cannot check).</summary>
    Running,

    /// <summary>postmaster.pid names a process that died without removing it.</summary>
    Gone,

    /// <summary>postmaster.pid names a dead process that its parent has not reaped yet.</summary>
    Zombie,
}
