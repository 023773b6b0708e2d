namespace ScraperSky.Pipeline.Dashboard.Access;

/// <summary>How the dashboard's endpoints were mapped, read from their metadata.</summary>
internal enum AccessMode
{
    /// <summary>No authorization metadata: loopback requests only.</summary>
    LoopbackOnly,

    /// <summary>A policy or <c>RequireAuthorization</c>: the authorization middleware decides who reaches it.</summary>
    Policy,

    /// <summary><c>AllowAnonymous</c>: the explicit opt-out, anyone reaches it.</summary>
    Anonymous,
}
