using System.Reflection;

namespace ScraperSky.Pipeline.Cluster;

/// <summary>Who this host is in the cluster: an id unique per process start (and per host built in one process).</summary>
internal sealed class ClusterHostIdentity
{
    public ClusterHostIdentity()
    {
        MachineName = Environment.MachineName;
        HostId = $"{MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
        var assembly = typeof(ClusterHostIdentity).Assembly;
        Version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
    }

    public string HostId { get; }

    public string MachineName { get; }

    public string Version { get; }
}
